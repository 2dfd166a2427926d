import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { FIXTURE_CDN_PUBLIC_KEY_FILE, RELAY_CONTEXT } from './helpers.js';

const ctx = (values: Record<string, unknown>) => (key: string) => values[key];
const prodBase = {
  env: 'prod',
  alarmEmail: 'ops@example.com',
  corsOrigins: 'https://app.example.com',
  cdnPublicKeyFile: FIXTURE_CDN_PUBLIC_KEY_FILE,
  region: 'eu-central-1',
  drRegion: 'eu-west-1',
  ...RELAY_CONTEXT,
};

describe('loadConfig', () => {
  it('defaults to a single-AZ dev environment in eu-central-1 with 5-year retention', () => {
    const c = loadConfig(ctx({ region: undefined }));
    expect(c).toMatchObject({
      envName: 'dev',
      prefix: 'media-dev',
      multiAz: false,
      deletionProtection: false,
      backupRetentionDays: 7,
      retentionDays: 1826,
      relay: undefined,
    });
    expect(c.region).toBe('eu-central-1');
    expect(c).toMatchObject({ dbInstanceSize: 'micro', ingestMaxConcurrency: 4 });
  });

  it('never takes the region from CDK_DEFAULT_REGION (the CLI always sets it) and requires it in prod', () => {
    const saved = process.env.CDK_DEFAULT_REGION;
    process.env.CDK_DEFAULT_REGION = 'us-east-1';
    try {
      expect(loadConfig(ctx({})).region).toBe('eu-central-1');
      expect(() => loadConfig(ctx({ ...prodBase, region: undefined }))).toThrow(/context region: required for env=prod/);
      expect(loadConfig(ctx({ ...prodBase, region: 'eu-central-1' })).region).toBe('eu-central-1');
    } finally {
      if (saved === undefined) delete process.env.CDK_DEFAULT_REGION;
      else process.env.CDK_DEFAULT_REGION = saved;
    }
  });

  it('refuses a relay certificate from another region than the stack', () => {
    expect(() => loadConfig(ctx({ ...prodBase, region: 'us-east-1' }))).toThrow(/certificate is in eu-central-1, the stack in us-east-1/);
    expect(() => loadConfig(ctx({ region: 'mars-1' }))).toThrow(/not an AWS region/);
  });

  it('sizes prod Postgres at t4g.small with the matching ingest concurrency, and checks relay CIDRs', () => {
    expect(loadConfig(ctx(prodBase))).toMatchObject({ dbInstanceSize: 'small', ingestMaxConcurrency: 10 });
    expect(() => loadConfig(ctx({ dbInstanceSize: 'huge' }))).toThrow(/dbInstanceSize/);
    expect(loadConfig(ctx({ relayAllowedCidrs: '173.245.48.0/20, 3.120.0.0/14' })).relayAllowedCidrs).toEqual([
      '173.245.48.0/20',
      '3.120.0.0/14',
    ]);
    expect(() => loadConfig(ctx({ relayAllowedCidrs: '300.1.1.1/8' }))).toThrow(/relayAllowedCidrs/);
  });

  it('hardens prod: Multi-AZ, deletion protection, 30-day backups', () => {
    expect(loadConfig(ctx(prodBase))).toMatchObject({
      envName: 'prod',
      multiAz: true,
      deletionProtection: true,
      backupRetentionDays: 30,
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
