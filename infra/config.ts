/**
 * Deployment configuration of the origin stack, read once from CDK context
 * (`-c env=prod -c alarmEmail=ops@example.com ...`) and validated here so that
 * a bad value fails the synth with a message naming the setting.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INGEST_MAX_CONCURRENCY } from './capacity.js';

export type EnvName = 'dev' | 'prod';

/** Everything that differs between environments. */
export interface OriginConfig {
  readonly envName: EnvName;
  /** Prefix of physical names and of the stack name, e.g. `media-dev`. */
  readonly prefix: string;
  readonly region: string;
  /** Target account; undefined keeps the stack environment-agnostic for offline synth. */
  readonly account?: string;
  /** Browser origins allowed to upload with presigned URLs and to read derivatives. */
  readonly corsOrigins: string[];
  /** Address that receives alarm and budget notifications (required in prod). */
  readonly alarmEmail?: string;
  /** Monthly AWS Budgets limit in USD. */
  readonly monthlyBudgetUsd: number;
  /** Days noncurrent versions of originals are kept before expiry (DESIGN: 5 years). */
  readonly retentionDays: number;
  readonly multiAz: boolean;
  /** db.t4g.<size>: micro in dev, small in prod (infra/capacity.ts has the connection budget). */
  readonly dbInstanceSize: 'micro' | 'small' | 'medium' | 'large';
  /** Concurrent ingest invocations (INGEST_MAX_CONCURRENCY of the instance size). */
  readonly ingestMaxConcurrency: number;
  readonly deletionProtection: boolean;
  readonly backupRetentionDays: number;
  readonly performanceInsights: boolean;
  readonly logRetentionDays: number;
  /** PEM of the CloudFront signed-URL public key; the placeholder is refused in prod. */
  readonly cdnPublicKeyPem: string;
  /** HTTPS endpoint of the DB relay; without it the relay is not deployed (dev only). */
  readonly relay?: { readonly certificateArn: string; readonly domainName: string };
  /** IPv4 CIDRs allowed to reach the relay's load balancer; undefined leaves it open (the token is the gate). */
  readonly relayAllowedCidrs?: string[];
  /** Second region for disaster recovery (replica buckets, replicated DB backups); required in prod. */
  readonly drRegion?: string;
  /** Replicate derivatives too (they can be rebuilt from originals). */
  readonly drReplicateDerivatives: boolean;
  /** Serial of the Worker's IAM access key; bumping it rotates the key. */
  readonly edgeKeySerial: number;
  /** Tag values applied to every resource. */
  readonly tags: Record<string, string>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Path of the committed placeholder public key; its private half was discarded. */
export const PLACEHOLDER_PUBLIC_KEY_FILE = join(here, 'cdn-placeholder-public-key.pem');

export const PLACEHOLDER_PUBLIC_KEY_PEM = readFileSync(PLACEHOLDER_PUBLIC_KEY_FILE, 'utf8');

/** Reads one context value; the CDK passes `-c key=value` as strings. */
export type ContextReader = (key: string) => unknown;

function str(ctx: ContextReader, key: string): string | undefined {
  const v = ctx(key);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new Error(`context ${key}: expected a string, got ${typeof v}`);
  }
  return String(v);
}

function int(ctx: ContextReader, key: string, fallback: number, min: number, max: number): number {
  const raw = str(ctx, key);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`context ${key}: expected an integer in [${min}, ${max}], got ${raw}`);
  }
  return n;
}

function bool(ctx: ContextReader, key: string, fallback: boolean): boolean {
  const raw = str(ctx, key);
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`context ${key}: expected true or false, got ${raw}`);
}

function cidrList(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const cidr of list) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
      throw new Error(`context relayAllowedCidrs: expected comma-separated IPv4 CIDRs, got ${cidr}`);
    }
  }
  if (list.length === 0) throw new Error('context relayAllowedCidrs: empty list');
  return list;
}

/**
 * Builds the configuration from CDK context. Throws on unknown environments,
 * malformed numbers, and prod deployments missing an alarm email, CORS
 * origins, a real CDN key or the DB relay certificate.
 */
export function loadConfig(ctx: ContextReader): OriginConfig {
  const envName = str(ctx, 'env') ?? 'dev';
  if (envName !== 'dev' && envName !== 'prod') {
    throw new Error(`context env: expected dev or prod, got ${envName}`);
  }
  const prod = envName === 'prod';
  const prefix = str(ctx, 'prefix') ?? `media-${envName}`;
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(prefix)) {
    throw new Error(`context prefix: expected lowercase letters, digits and dashes, got ${prefix}`);
  }

  const alarmEmail = str(ctx, 'alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) {
    throw new Error(`context alarmEmail: not an email address: ${alarmEmail}`);
  }
  if (prod && alarmEmail === undefined) {
    throw new Error('context alarmEmail: required for env=prod (alarms and budgets must reach someone)');
  }

  const corsRaw = str(ctx, 'corsOrigins');
  if (prod && corsRaw === undefined) {
    throw new Error('context corsOrigins: required for env=prod (comma-separated SPA origins)');
  }
  const corsOrigins = (corsRaw ?? 'http://localhost:5173,http://localhost:8787')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of corsOrigins) {
    if (o === '*' || !/^https?:\/\/[^/\s]+$/.test(o)) {
      throw new Error(`context corsOrigins: expected explicit origins like https://app.example.com, got ${o}`);
    }
  }

  const keyFile = str(ctx, 'cdnPublicKeyFile');
  const cdnPublicKeyPem = keyFile ? readFileSync(resolve(keyFile), 'utf8') : PLACEHOLDER_PUBLIC_KEY_PEM;
  if (prod && cdnPublicKeyPem.trim() === PLACEHOLDER_PUBLIC_KEY_PEM.trim()) {
    throw new Error('context cdnPublicKeyFile: env=prod must not use the placeholder CloudFront key');
  }

  const certificateArn = str(ctx, 'relayCertificateArn');
  const domainName = str(ctx, 'relayDomain');
  if ((certificateArn === undefined) !== (domainName === undefined)) {
    throw new Error('context relayCertificateArn and relayDomain must be given together');
  }
  if (prod && certificateArn === undefined) {
    throw new Error('context relayCertificateArn: required for env=prod (the edge reaches Postgres only through the relay)');
  }
  if (certificateArn !== undefined && !certificateArn.startsWith('arn:')) {
    throw new Error(`context relayCertificateArn: not an ARN: ${certificateArn}`);
  }

  // The CDK CLI always sets CDK_DEFAULT_REGION (from the profile), so a
  // fallback to it would silently move a deploy; prod names its region.
  const region = str(ctx, 'region') ?? (prod ? undefined : 'eu-central-1');
  if (region === undefined) {
    throw new Error("context region: required for env=prod (e.g. -c region=eu-central-1); the CLI's CDK_DEFAULT_REGION is not used");
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) throw new Error(`context region: not an AWS region: ${region}`);
  if (certificateArn !== undefined) {
    // An ALB can only use an ACM certificate from its own region.
    const certRegion = certificateArn.split(':')[3];
    if (certRegion !== region) {
      throw new Error(
        `context relayCertificateArn: certificate is in ${certRegion}, the stack in ${region} (ACM certificates of an ALB must be in its region)`,
      );
    }
  }
  const account = str(ctx, 'account') ?? (prod ? undefined : process.env.CDK_DEFAULT_ACCOUNT);
  if (account !== undefined && !/^\d{12}$/.test(account)) throw new Error(`context account: expected 12 digits, got ${account}`);

  const drRegion = str(ctx, 'drRegion');
  if (prod && drRegion === undefined) {
    throw new Error('context drRegion: required for env=prod (a second region for replicas and backups, e.g. eu-west-1)');
  }
  if (drRegion !== undefined && (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(drRegion) || drRegion === region)) {
    throw new Error(`context drRegion: expected an AWS region other than ${region}, got ${drRegion}`);
  }

  const dbInstanceSize = str(ctx, 'dbInstanceSize') ?? (prod ? 'small' : 'micro');
  if (!(dbInstanceSize in INGEST_MAX_CONCURRENCY)) {
    throw new Error(`context dbInstanceSize: expected one of ${Object.keys(INGEST_MAX_CONCURRENCY).join(', ')}, got ${dbInstanceSize}`);
  }

  return {
    envName,
    prefix,
    region,
    account,
    corsOrigins,
    alarmEmail,
    monthlyBudgetUsd: int(ctx, 'monthlyBudgetUsd', prod ? 300 : 150, 1, 1_000_000),
    retentionDays: int(ctx, 'retentionDays', 1826, 1, 36_500),
    multiAz: bool(ctx, 'multiAz', prod),
    dbInstanceSize: dbInstanceSize as OriginConfig['dbInstanceSize'],
    ingestMaxConcurrency: INGEST_MAX_CONCURRENCY[dbInstanceSize]!,
    deletionProtection: prod,
    backupRetentionDays: prod ? 30 : 7,
    performanceInsights: bool(ctx, 'performanceInsights', false),
    logRetentionDays: prod ? 365 : 30,
    cdnPublicKeyPem,
    relay: certificateArn && domainName ? { certificateArn, domainName } : undefined,
    relayAllowedCidrs: cidrList(str(ctx, 'relayAllowedCidrs')),
    drRegion,
    edgeKeySerial: int(ctx, 'edgeKeySerial', 1, 1, 1_000_000),
    drReplicateDerivatives: bool(ctx, 'drReplicateDerivatives', false),
    tags: { project: 'media-platform', env: envName },
  };
}
