/**
 * PASSWORD_HASH_COST: the workers suites hash with scrypt's smallest
 * accepted parameters to run faster; this holds that no other environment
 * can, and that `standard` is the production parameters.
 */
import { describe, expect, it } from 'vitest';
import { CURRENT_PARAMS, LOW_PARAMS, hashPassword, passwordParams, verifyPassword } from '../../edge/auth/password.ts';
import { edgeConfigSchema, parseConfig } from '../../shared/config.ts';

const env = {
  S3_ENDPOINT: 'https://s3.example.test',
  S3_ACCESS_KEY_ID: 'key',
  S3_SECRET_ACCESS_KEY: 'secret',
  S3_BUCKET_RAW: 'raw-bucket',
  S3_BUCKET_DERIVATIVES: 'derivatives-bucket',
  DATABASE_URL: 'postgres://db.example.test/media',
  AUTH_SIGNING_KEYS: JSON.stringify({ active: 'k1', keys: [{ kid: 'k1', kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' }] }),
};

describe('PASSWORD_HASH_COST', () => {
  it('is standard by default, and standard is the production parameters', () => {
    const config = parseConfig(edgeConfigSchema, { ...env, APP_ENV: 'production' });
    expect(config.PASSWORD_HASH_COST).toBe('standard');
    expect(passwordParams(config)).toBe(CURRENT_PARAMS);
    expect(CURRENT_PARAMS).toEqual({ ln: 14, r: 8, p: 5 });
  });

  it.each(['production', 'local', undefined])('low is refused when APP_ENV is %s, naming the setting', (appEnv) => {
    const bad = { ...env, PASSWORD_HASH_COST: 'low', ...(appEnv ? { APP_ENV: appEnv } : {}) };
    expect(() => parseConfig(edgeConfigSchema, bad)).toThrow(/PASSWORD_HASH_COST: may be "low" only when APP_ENV is test/);
  });

  it('low is accepted in tests only, and gives the smallest parameters a stored hash may name', async () => {
    const config = parseConfig(edgeConfigSchema, { ...env, APP_ENV: 'test', PASSWORD_HASH_COST: 'low' });
    expect(passwordParams(config)).toBe(LOW_PARAMS);
    const stored = await hashPassword('correct horse battery staple', passwordParams(config));
    expect(stored).toMatch(/^scrypt\$ln=10,r=8,p=1\$/);
    // Against low as current, a low hash needs no rehash; against standard it does (a login upgrades it).
    expect(await verifyPassword('correct horse battery staple', stored, LOW_PARAMS)).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword('correct horse battery staple', stored)).toEqual({ ok: true, needsRehash: true });
  });

  it('an unknown cost is refused', () => {
    expect(() => parseConfig(edgeConfigSchema, { ...env, APP_ENV: 'test', PASSWORD_HASH_COST: 'none' })).toThrow(/PASSWORD_HASH_COST/);
  });
});
