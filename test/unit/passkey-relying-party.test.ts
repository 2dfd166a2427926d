/** The WebAuthn relying party derived from AUTH_ISSUER and CORS_ORIGINS (edge/auth/passkeys/relying-party.ts). */
import { describe, expect, it } from 'vitest';
import { relyingParty } from '../../edge/auth/passkeys/relying-party.ts';
import { edgeConfigSchema, parseConfig } from '../../shared/config.ts';

const base = {
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_ACCESS_KEY_ID: 'k',
  S3_SECRET_ACCESS_KEY: 's',
  S3_BUCKET_RAW: 'raw',
  S3_BUCKET_DERIVATIVES: 'derivatives',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  AUTH_SIGNING_KEYS: JSON.stringify({ active: 'k1', keys: [{ kid: 'k1', kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' }] }),
};
const rpOf = (env: Record<string, string>) => relyingParty(parseConfig(edgeConfigSchema, { ...base, ...env }));

describe('relyingParty', () => {
  it('production: the issuer host is the RP ID; only CORS origins on it or below it are expected', () => {
    const rp = rpOf({
      AUTH_ISSUER: 'https://media.example.com',
      CORS_ORIGINS: 'https://media.example.com,https://app.media.example.com,https://example.com,https://media.example.com.evil.test',
    });
    expect(rp).toEqual({
      rpId: 'media.example.com',
      rpName: 'Media',
      origins: ['https://media.example.com', 'https://app.media.example.com'],
    });
  });

  it('local: a loopback issuer becomes localhost (an IP cannot be an RP ID), with the dev server on localhost', () => {
    const rp = rpOf({
      AUTH_ISSUER: 'http://127.0.0.1:8787',
      CORS_ORIGINS: 'http://127.0.0.1:8787,http://localhost:8787,http://localhost:5173',
    });
    expect(rp).toEqual({ rpId: 'localhost', rpName: 'Media', origins: ['http://localhost:8787', 'http://localhost:5173'] });
  });

  it('no relying party for an issuer that is not an http(s) URL with a host name', () => {
    expect(rpOf({ AUTH_ISSUER: 'media-platform' })).toBeNull();
    expect(rpOf({ AUTH_ISSUER: 'https://10.0.0.5' })).toBeNull();
  });
});
