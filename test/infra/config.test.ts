import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { FIXTURE_CDN_PUBLIC_KEY_FILE, RELAY_CONTEXT } from './helpers.js';

const ctx = (values: Record<string, unknown>) => (key: string) => values[key];
const prodBase = {
  env: 'prod',
  alarmEmail: 'ops@example.com',
  corsOrigins: 'https://app.example.com',
  cdnPublicKeyFile: FIXTURE_CDN_PUBLIC_KEY_FILE,
  ...RELAY_CONTEXT,
};

describe('loadConfig', () => {
  it('defaults to a single-AZ dev environment in eu-central-1 with 5-year retention', () => {
    const c = loadConfig(ctx({ region: undefined }));
    expect(c).toMatchObject({
      envName: 'dev', prefix: 'media-dev', multiAz: false, deletionProtection: false,
      backupRetentionDays: 7, retentionDays: 1826, relay: undefined,
    });
    expect(c.region).toBe(process.env.CDK_DEFAULT_REGION ?? 'eu-central-1');
  });

  it('hardens prod: Multi-AZ, deletion protection, 30-day backups', () => {
    expect(loadConfig(ctx(prodBase))).toMatchObject({
      envName: 'prod', multiAz: true, deletionProtection: true, backupRetentionDays: 30,
      relay: { domainName: 'db-relay.example.com' },
    });
  });

  it('refuses prod without alarm email, CORS origins, real CDN key or relay', () => {
    expect(() => loadConfig(ctx({ ...prodBase, alarmEmail: undefined }))).toThrow(/alarmEmail/);
    expect(() => loadConfig(ctx({ ...prodBase, corsOrigins: undefined }))).toThrow(/corsOrigins/);
    expect(() => loadConfig(ctx({ ...prodBase, cdnPublicKeyFile: undefined }))).toThrow(/placeholder/);
    expect(() => loadConfig(ctx({ ...prodBase, relayCertificateArn: undefined, relayDomain: undefined }))).toThrow(/relayCertificateArn/);
  });

  it('rejects malformed values', () => {
    expect(() => loadConfig(ctx({ env: 'staging' }))).toThrow(/env/);
    expect(() => loadConfig(ctx({ retentionDays: '-1' }))).toThrow(/retentionDays/);
    expect(() => loadConfig(ctx({ retentionDays: 'five years' }))).toThrow(/retentionDays/);
    expect(() => loadConfig(ctx({ corsOrigins: '*' }))).toThrow(/corsOrigins/);
    expect(() => loadConfig(ctx({ alarmEmail: 'nobody' }))).toThrow(/alarmEmail/);
    expect(() => loadConfig(ctx({ multiAz: 'yes' }))).toThrow(/multiAz/);
    expect(() => loadConfig(ctx({ relayDomain: 'db.example.com' }))).toThrow(/together/);
    expect(() => loadConfig(ctx({ prefix: 'Media_Dev' }))).toThrow(/prefix/);
  });
});
