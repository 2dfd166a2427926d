import { describe, expect, it } from 'vitest';
import { ConfigError, devConfigSchema, edgeConfigSchema, originConfigSchema, parseConfig } from '../../shared/config.ts';

const good = {
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_ACCESS_KEY_ID: 'k',
  S3_SECRET_ACCESS_KEY: 's',
  S3_BUCKET_RAW: 'raw',
  S3_BUCKET_DERIVATIVES: 'derivatives',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  AUTH_SIGNING_KEYS: JSON.stringify({ active: 'k1', keys: [{ kid: 'k1', kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' }] }),
};

describe('parseConfig', () => {
  it('applies defaults and coerces strings', () => {
    const c = parseConfig(edgeConfigSchema, { ...good, S3_FORCE_PATH_STYLE: 'false', CORS_ORIGINS: 'https://a.test, https://b.test,' });
    expect(c.S3_REGION).toBe('us-east-1');
    expect(c.S3_FORCE_PATH_STYLE).toBe(false);
    expect(c.DATABASE_WS_SECURE).toBe(true);
    expect(c.CORS_ORIGINS).toEqual(['https://a.test', 'https://b.test']);
    expect(c.APP_ENV).toBe('local');
  });

  it('names every missing or malformed setting', () => {
    const env = { ...good, S3_ENDPOINT: 'ftp://x', S3_BUCKET_RAW: 'Bad_Bucket', DATABASE_URL: undefined };
    let err: unknown;
    try {
      parseConfig(edgeConfigSchema, env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.join('\n');
    expect(issues).toMatch(/^S3_ENDPOINT: /m);
    expect(issues).toMatch(/^S3_BUCKET_RAW: .*bucket name/m);
    expect(issues).toMatch(/^DATABASE_URL: /m);
    expect((err as ConfigError).code).toBe('ERR_CONFIG_INVALID');
  });

  it('requires the active signing key to be a private key in the set', () => {
    const keys = (v: unknown) => ({ ...good, AUTH_SIGNING_KEYS: typeof v === 'string' ? v : JSON.stringify(v) });
    const pub = { kid: 'k1', kty: 'OKP', crv: 'Ed25519', x: 'x' };
    const issuesOf = (env: Record<string, unknown>) => {
      try {
        parseConfig(edgeConfigSchema, env);
      } catch (e) {
        return (e as ConfigError).issues.join('\n');
      }
      return '';
    };
    expect(issuesOf(keys('not json'))).toMatch(/^AUTH_SIGNING_KEYS: must be JSON/m);
    expect(issuesOf(keys({ active: 'k1', keys: [pub] }))).toMatch(/^AUTH_SIGNING_KEYS: the active kid must name a private key/m);
    expect(issuesOf(keys({ active: 'k2', keys: [{ ...pub, d: 'd' }] }))).toMatch(/active kid/);
    expect(issuesOf(keys({ active: 'k1', keys: [] }))).toMatch(/AUTH_SIGNING_KEYS/);
    const c = parseConfig(edgeConfigSchema, good);
    expect(c.AUTH_SIGNING_KEYS.active).toBe('k1');
    expect(c.AUTH_ISSUER).toBe('media-platform');
  });

  it('treats an empty string as unset so the default applies', () => {
    expect(parseConfig(devConfigSchema, { EDGE_PORT: '', DATA_DIR: '' })).toMatchObject({ EDGE_PORT: 8787, DATA_DIR: '.data' });
  });

  it('rejects a port that is not a port', () => {
    expect(() => parseConfig(devConfigSchema, { S3_PORT: '70000' })).toThrow(/S3_PORT/);
    expect(() => parseConfig(devConfigSchema, { PG_PORT: 'abc' })).toThrow(/PG_PORT/);
  });

  it('refuses a non-loopback host for the local stack', () => {
    expect(() => parseConfig(devConfigSchema, { HOST: '0.0.0.0' })).toThrow(/HOST/);
  });

  it('refuses a boolean it cannot read', () => {
    expect(() => parseConfig(edgeConfigSchema, { ...good, DATABASE_WS_SECURE: 'yes' })).toThrow(/DATABASE_WS_SECURE/);
  });

  it('gives the origin the Lambda role credentials when no S3 keys are set', () => {
    const base = { S3_ENDPOINT: 'https://s3.eu-central-1.amazonaws.com', S3_BUCKET_RAW: 'raw', S3_BUCKET_DERIVATIVES: 'derivatives' };
    const role = parseConfig(originConfigSchema, {
      ...base,
      AWS_ACCESS_KEY_ID: 'ASIA1',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_SESSION_TOKEN: 't',
    });
    expect(role).toMatchObject({ S3_ACCESS_KEY_ID: 'ASIA1', S3_SECRET_ACCESS_KEY: 's', S3_SESSION_TOKEN: 't' });
    const explicit = parseConfig(originConfigSchema, { ...base, S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 'x', AWS_SESSION_TOKEN: 't' });
    expect(explicit).toMatchObject({ S3_ACCESS_KEY_ID: 'k', S3_SESSION_TOKEN: undefined });
    expect(() => parseConfig(originConfigSchema, base)).toThrow(/S3_ACCESS_KEY_ID: set S3_ACCESS_KEY_ID/);
  });
});
