/**
 * Webhook settings (shared/config.ts): loopback receivers are a local/test
 * setting that production configuration refuses, on the edge and the
 * origin; production needs WEBHOOK_SECRET_KEY to seal or open a secret;
 * a sealed secret opens only for its endpoint and with its key.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, edgeConfigSchema, originConfigSchema, parseConfig } from '../../shared/config.ts';
import {
  LOCAL_WEBHOOK_KEY,
  newWebhookSecret,
  openWebhookSecret,
  sealWebhookSecret,
  WebhookKeyMissingError,
  webhookKeyMaterial,
} from '../../shared/webhooks/secret-box.ts';

const storage = {
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_ACCESS_KEY_ID: 'k',
  S3_SECRET_ACCESS_KEY: 's',
  S3_BUCKET_RAW: 'raw',
  S3_BUCKET_DERIVATIVES: 'derivatives',
};
const edge = {
  ...storage,
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  AUTH_SIGNING_KEYS: JSON.stringify({ active: 'k1', keys: [{ kid: 'k1', kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' }] }),
};

describe('WEBHOOK_ALLOW_LOOPBACK_HTTP', () => {
  it('is off by default and may be on outside production', () => {
    expect(parseConfig(edgeConfigSchema, edge).WEBHOOK_ALLOW_LOOPBACK_HTTP).toBe(false);
    for (const APP_ENV of ['local', 'test']) {
      expect(parseConfig(edgeConfigSchema, { ...edge, APP_ENV, WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true' }).WEBHOOK_ALLOW_LOOPBACK_HTTP).toBe(
        true,
      );
      expect(parseConfig(originConfigSchema, { ...storage, APP_ENV, WEBHOOK_ALLOW_LOOPBACK_HTTP: '1' }).WEBHOOK_ALLOW_LOOPBACK_HTTP).toBe(
        true,
      );
    }
  });

  it('is refused in production configuration, edge and origin', () => {
    for (const [schema, env] of [
      [edgeConfigSchema, edge],
      [originConfigSchema, storage],
    ] as const) {
      let err: unknown;
      try {
        parseConfig(schema, { ...env, APP_ENV: 'production', WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.join()).toContain('WEBHOOK_ALLOW_LOOPBACK_HTTP: may not be set when APP_ENV is production');
    }
  });

  it('refuses a short WEBHOOK_SECRET_KEY', () => {
    expect(() => parseConfig(edgeConfigSchema, { ...edge, WEBHOOK_SECRET_KEY: 'short' })).toThrow(ConfigError);
  });
});

describe('the secret box', () => {
  it('uses the local key only outside production', () => {
    expect(webhookKeyMaterial({ APP_ENV: 'local' })).toBe(LOCAL_WEBHOOK_KEY);
    expect(() => webhookKeyMaterial({ APP_ENV: 'production' })).toThrow(WebhookKeyMissingError);
    expect(webhookKeyMaterial({ APP_ENV: 'production', WEBHOOK_SECRET_KEY: 'k'.repeat(43) })).toBe('k'.repeat(43));
  });

  it('opens a sealed secret only for its endpoint and with its key', async () => {
    const key = 'a'.repeat(43);
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const sealed = await sealWebhookSecret(key, 'endpoint-1', secret);
    expect(sealed).not.toContain(secret.slice(6));
    expect(await openWebhookSecret(key, 'endpoint-1', sealed)).toBe(secret);
    await expect(openWebhookSecret(key, 'endpoint-2', sealed)).rejects.toThrow();
    await expect(openWebhookSecret('b'.repeat(43), 'endpoint-1', sealed)).rejects.toThrow();
  });
});
