/** CDN_* settings (shared/config.ts `cdnSchema`): all three or none, each checked for its shape. */
import { describe, expect, it } from 'vitest';
import { type ConfigError, edgeConfigSchema, parseConfig } from '../../shared/config.ts';

const good = {
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_ACCESS_KEY_ID: 'k',
  S3_SECRET_ACCESS_KEY: 's',
  S3_BUCKET_RAW: 'raw',
  S3_BUCKET_DERIVATIVES: 'derivatives',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  AUTH_SIGNING_KEYS: JSON.stringify({ active: 'k1', keys: [{ kid: 'k1', kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' }] }),
};
const cdn = {
  CDN_DOMAIN: 'd111111abcdef8.cloudfront.net',
  CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
  CDN_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----MIIB-----END PRIVATE KEY-----',
};
const issues = (env: Record<string, string>) => {
  try {
    parseConfig(edgeConfigSchema, env);
    return [];
  } catch (err) {
    return (err as ConfigError).issues;
  }
};

describe('CDN settings', () => {
  it('none: media from S3 only; all three: accepted, with the first-byte default', () => {
    expect(parseConfig(edgeConfigSchema, good).CDN_DOMAIN).toBeUndefined();
    const c = parseConfig(edgeConfigSchema, { ...good, ...cdn });
    expect(c.CDN_DOMAIN).toBe(cdn.CDN_DOMAIN);
    expect(c.CDN_FIRST_BYTE_MS).toBe(2000);
    // Empty values are unset (wrangler and shells alike).
    expect(parseConfig(edgeConfigSchema, { ...good, CDN_DOMAIN: '', CDN_KEY_PAIR_ID: '', CDN_PRIVATE_KEY: '' }).CDN_DOMAIN).toBeUndefined();
    expect(parseConfig(edgeConfigSchema, { ...good, ...cdn, CDN_DOMAIN: 'http://127.0.0.1:9123' }).CDN_DOMAIN).toBe(
      'http://127.0.0.1:9123',
    );
  });

  it('one or two of the three: refused, naming CDN_DOMAIN', () => {
    for (const missing of Object.keys(cdn)) {
      const env: Record<string, string> = { ...good, ...cdn };
      delete env[missing];
      expect(issues(env).join('\n'), missing).toMatch(/CDN_DOMAIN: set CDN_DOMAIN, CDN_KEY_PAIR_ID and CDN_PRIVATE_KEY together/);
    }
  });

  it('malformed values are named', () => {
    expect(issues({ ...good, ...cdn, CDN_DOMAIN: 'https://d.example/path' }).join()).toMatch(/CDN_DOMAIN/);
    expect(issues({ ...good, ...cdn, CDN_KEY_PAIR_ID: 'k lower' }).join()).toMatch(/CDN_KEY_PAIR_ID/);
    expect(issues({ ...good, ...cdn, CDN_PRIVATE_KEY: 'not a pem' }).join()).toMatch(/CDN_PRIVATE_KEY/);
    expect(issues({ ...good, ...cdn, CDN_FIRST_BYTE_MS: '10' }).join()).toMatch(/CDN_FIRST_BYTE_MS/);
  });
});
