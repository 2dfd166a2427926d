/** scripts/wrangler-prod-config.ts against the repository's own wrangler.toml and a real outputs-file shape. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  applyToApiWranglerToml,
  applyToWranglerToml,
  productionVars,
  secretCommands,
  stackOutputs,
} from '../../scripts/wrangler-prod-config.ts';

const outputs = {
  Region: 'eu-central-1',
  RawBucketName: 'media-prod-origin-storageraw7e344c76-abc',
  DerivativesBucketName: 'media-prod-origin-storagederivatives-def',
  DbRelayWsProxy: 'db-relay.example.com/v1',
  DatabaseProxyEndpoint: 'media-prod-proxy.proxy-xyz.eu-central-1.rds.amazonaws.com',
  DbRelayKeySecretArn: 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:media-prod/db-relay-key-AbCdEf',
};
const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8');
const apiToml = readFileSync(new URL('../../wrangler.api.toml', import.meta.url), 'utf8');

/** The lines of one `[section]` of a toml text, up to the next section. */
const sectionOf = (text: string, name: string) => {
  const from = text.indexOf(`\n${name}\n`);
  const rest = text.slice(from + name.length + 2);
  const next = rest.search(/^\[/m);
  return next < 0 ? rest : rest.slice(0, next);
};

describe('wrangler production config from stack outputs', () => {
  it('derives region, endpoint, buckets and relay from the outputs', () => {
    expect(productionVars(outputs)).toMatchObject({
      S3_REGION: 'eu-central-1',
      S3_ENDPOINT: 'https://s3.eu-central-1.amazonaws.com',
      S3_BUCKET_RAW: outputs.RawBucketName,
      DATABASE_WS_PROXY: 'db-relay.example.com/v1',
      DATABASE_WS_SECURE: 'true',
    });
  });

  it('CloudFront: CDN_DOMAIN and CDN_KEY_PAIR_ID from the Cdn outputs, when the stack has them', () => {
    expect(productionVars(outputs)).not.toHaveProperty('CDN_DOMAIN');
    expect(productionVars({ ...outputs, CdnDomainName: 'd111111abcdef8.cloudfront.net', CdnKeyPairId: 'K2JCJMDEHXQW5F' })).toMatchObject({
      CDN_DOMAIN: 'd111111abcdef8.cloudfront.net',
      CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
    });
  });

  it('rewrites only [env.production.vars] of wrangler.toml, leaving the local [vars] alone', () => {
    const out = applyToWranglerToml(toml, productionVars({ ...outputs, Region: 'eu-west-1' }));
    const section = out.slice(out.indexOf('[env.production.vars]'));
    expect(section).toContain('S3_REGION = "eu-west-1"');
    expect(section).toContain('S3_ENDPOINT = "https://s3.eu-west-1.amazonaws.com"');
    expect(section).toContain(`S3_BUCKET_RAW = "${outputs.RawBucketName}"`);
    expect(section).not.toContain('REPLACE-with');
    expect(out.slice(0, out.indexOf('[env.production]'))).toBe(toml.slice(0, toml.indexOf('[env.production]')));
    expect(out.match(/S3_REGION = /g)).toHaveLength(2);
    // Idempotent.
    expect(applyToWranglerToml(out, productionVars({ ...outputs, Region: 'eu-west-1' }))).toBe(out);
  });

  it('the API Worker (wrangler.api.toml): the same vars with its role, the placement hint in the stack region, the local [vars] alone', () => {
    const out = applyToApiWranglerToml(apiToml, { ...outputs, Region: 'eu-west-1' });
    const vars = sectionOf(out, '[env.production.vars]');
    expect(vars).toContain('WORKER_ROLE = "api"');
    expect(vars).toContain('S3_ENDPOINT = "https://s3.eu-west-1.amazonaws.com"');
    expect(vars).toContain('DATABASE_WS_PROXY = "db-relay.example.com/v1"');
    expect(vars).not.toContain('REPLACE-with');
    expect(sectionOf(out, '[env.production.placement]').trim()).toBe('region = "aws:eu-west-1"');
    expect(out.slice(0, out.indexOf('[env.production]'))).toBe(apiToml.slice(0, apiToml.indexOf('[env.production]')));
    expect(applyToApiWranglerToml(out, { ...outputs, Region: 'eu-west-1' })).toBe(out);
    // Not publicly reachable: no routes, no workers.dev; only the drop limit (the per-client ones run in the edge).
    expect(apiToml).not.toMatch(/^\s*routes?\s*=/m);
    expect(apiToml.match(/^workers_dev = false$/gm)).toHaveLength(2);
    expect(apiToml).not.toMatch(/name = "(AUTH|API)_RATE_LIMITER"/);
    // The edge's production env binds it.
    expect(toml).toContain('services = [{ binding = "API", service = "media-api" }]');
    // The same secrets, set on the API Worker's config.
    expect(secretCommands(outputs, 'wrangler.api.toml').every((l) => l.includes(' -c wrangler.api.toml --env production'))).toBe(true);
  });

  it('refuses missing outputs, an undeployed relay, a bad region and a file without the section', () => {
    expect(() => productionVars({ ...outputs, RawBucketName: '' })).toThrow(/RawBucketName/);
    expect(() => productionVars({ ...outputs, DbRelayWsProxy: 'not-deployed' })).toThrow(/relayCertificateArn/);
    expect(() => productionVars({ ...outputs, Region: 'Frankfurt' })).toThrow(/not an AWS region/);
    expect(() => applyToWranglerToml('[vars]\nA = "1"\n', {})).toThrow(/no \[env.production.vars\]/);
    expect(() => stackOutputs({ 'media-prod-dr': {} })).toThrow(/no outputs/);
  });

  it('runs as a CLI on an outputs file and writes the toml', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrangler-prod-'));
    writeFileSync(join(dir, 'outputs.json'), JSON.stringify({ 'media-prod-dr': {}, 'media-prod-origin': outputs }));
    writeFileSync(join(dir, 'wrangler.toml'), toml);
    writeFileSync(join(dir, 'wrangler.api.toml'), apiToml);
    const script = new URL('../../scripts/wrangler-prod-config.ts', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      script,
      join(dir, 'outputs.json'),
      '--write',
      join(dir, 'wrangler.toml'),
      '--write-api',
      join(dir, 'wrangler.api.toml'),
    ]);
    expect(stdout).toContain('wrangler secret put DATABASE_RELAY_KEY -c');
    expect(readFileSync(join(dir, 'wrangler.api.toml'), 'utf8')).toContain('region = "aws:eu-central-1"');
    expect(stdout).toContain('wrangler secret put DATABASE_RELAY_KEY');
    expect(stdout).toContain(outputs.DbRelayKeySecretArn);
    expect(readFileSync(join(dir, 'wrangler.toml'), 'utf8')).toContain(`DATABASE_WS_PROXY = "db-relay.example.com/v1"`);
  });
});
