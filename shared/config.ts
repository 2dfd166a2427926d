/**
 * Configuration, parsed once per process (origin) or per isolate (edge) with zod.
 * Every setting is a string in the environment; the schemas coerce and check them,
 * and a failure names each bad setting so a misconfigured start fails loudly.
 */
import { z } from 'zod';
import { DEFAULT_DEADLINES, type Deadlines } from './deadline.ts';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const url = z.url({ protocol: /^https?$/ });

const port = z.coerce.number().int().min(0).max(65535);

const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name');

/** Settings both halves need to reach object storage. */
export const storageSchema = z.object({
  S3_ENDPOINT: url,
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1),
  S3_SECRET_ACCESS_KEY: z.string().min(1),
  S3_BUCKET_RAW: bucketName,
  S3_BUCKET_DERIVATIVES: bucketName,
  /** Path-style URLs (`endpoint/bucket/key`); local servers need it, AWS does not. */
  S3_FORCE_PATH_STYLE: bool.default(true),
});

const relayKey = z.string().min(43, 'must be 32 random bytes, base64url (43+ characters)').optional();

/**
 * How the edge reaches Postgres: @neondatabase/serverless over WebSocket.
 * DATABASE_WS_PROXY names the ws->TCP relay (`host:port/v1`) for self-hosted
 * Postgres; empty means the driver's default (Neon's own endpoint).
 */
export const databaseSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string'),
  DATABASE_WS_PROXY: z.string().default(''),
  DATABASE_WS_SECURE: bool.default(true),
  /** Secret: the relay's caller-proof key (shared/db/relay-token.ts); the relay refuses connections without it. */
  DATABASE_RELAY_KEY: relayKey,
  /**
   * The relay logs in to Postgres itself (its own credential, in-region), so
   * the driver pipelines its start-up with the first query and sends no
   * password (docs/architecture.md, "Round trips to the region"). The
   * relays of this repository do (infra/db-relay/pg-session.mts); `false`
   * only for a relay that leaves SCRAM to the client.
   */
  DATABASE_RELAY_LOGIN: bool.default(true),
});

/**
 * The token signing keys, as one JSON secret: `{ "active": "<kid>", "keys": [JWK, ...] }`.
 * The active key must be a private JWK; the others verify only (their private
 * members, if present, are ignored), so a rotation is two config changes.
 */
export const signingKeysSchema = z
  .string()
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON: {"active": kid, "keys": [JWK, ...]}' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .object({
        active: z.string().min(1),
        keys: z.array(z.looseObject({ kid: z.string().min(1), kty: z.string() })).min(1),
      })
      .refine((v) => v.keys.some((k) => k.kid === v.active && typeof k.d === 'string'), {
        message: 'the active kid must name a private key in "keys"',
      }),
  );
export type SigningKeysConfig = z.output<typeof signingKeysSchema>;

/** Who signs and who accepts tokens (the JWT iss and aud). */
export const authSchema = z.object({
  AUTH_SIGNING_KEYS: signingKeysSchema,
  AUTH_ISSUER: z.string().min(1).default('media-platform'),
  AUTH_AUDIENCE: z.string().min(1).default('media-platform'),
});

/**
 * Webhooks (shared/webhooks/): both halves read these. WEBHOOK_SECRET_KEY is
 * the secret (at least 43 characters, e.g. 32 random bytes base64url) from
 * which the AES-256-GCM key that seals endpoint signing secrets is derived:
 * the edge seals on create/rotate, the origin's dispatcher opens to sign.
 * Required in production; local and test runs without it use a fixed,
 * publicly known key (fine for throwaway data, refused in production).
 * WEBHOOK_ALLOW_LOOPBACK_HTTP lets endpoints be `http://127.0.0.1:<port>`
 * so local tests can receive deliveries; production refuses it.
 */
export const webhookSchema = z.object({
  WEBHOOK_SECRET_KEY: z.string().min(43, 'must be at least 43 characters (32 random bytes, base64url)').optional(),
  WEBHOOK_ALLOW_LOOPBACK_HTTP: bool.default(false),
});
const appEnv = z.enum(['local', 'test', 'production']).default('local');
const webhookRules = <T extends { APP_ENV: string; WEBHOOK_ALLOW_LOOPBACK_HTTP: boolean }>(c: T, ctx: z.RefinementCtx) => {
  if (c.APP_ENV === 'production' && c.WEBHOOK_ALLOW_LOOPBACK_HTTP)
    ctx.addIssue({ code: 'custom', path: ['WEBHOOK_ALLOW_LOOPBACK_HTTP'], message: 'may not be set when APP_ENV is production' });
};

/** How long the edge waits on each kind of dependency call (shared/deadline.ts), in milliseconds. */
const deadlineMs = z.coerce.number().int().min(50).max(120_000);
export const deadlineSchema = z.object({
  DEADLINE_DB_CONNECT_MS: deadlineMs.default(DEFAULT_DEADLINES['database-connect']),
  DEADLINE_DB_QUERY_MS: deadlineMs.default(DEFAULT_DEADLINES['database-query']),
  DEADLINE_STORAGE_METADATA_MS: deadlineMs.default(DEFAULT_DEADLINES['storage-metadata']),
  DEADLINE_STORAGE_FIRST_BYTE_MS: deadlineMs.default(DEFAULT_DEADLINES['storage-first-byte']),
});

/** The parsed deadline settings as one value per kind. */
export const deadlinesOf = (c: z.output<typeof deadlineSchema>): Deadlines => ({
  'database-connect': c.DEADLINE_DB_CONNECT_MS,
  'database-query': c.DEADLINE_DB_QUERY_MS,
  'storage-metadata': c.DEADLINE_STORAGE_METADATA_MS,
  'storage-first-byte': c.DEADLINE_STORAGE_FIRST_BYTE_MS,
});

/**
 * CloudFront in front of the derivatives bucket (infra/constructs/cdn.ts):
 * the edge reads derivatives through it with signed URLs
 * (edge/storage/cdn-reader.ts). All three set, or none (S3 only).
 * CDN_DOMAIN is the distribution's domain (`d111.cloudfront.net`, https) or a
 * full `http(s)://host:port` URL (the local stand-in, local/cdn-stand-in.ts).
 */
export const cdnSchema = z.object({
  CDN_DOMAIN: z
    .string()
    .regex(/^(https?:\/\/[^/?#]+|[a-z0-9.-]+)$/i, 'must be a domain (d111.cloudfront.net) or an http(s)://host[:port] URL')
    .optional(),
  CDN_KEY_PAIR_ID: z
    .string()
    .regex(/^[A-Z0-9]{1,64}$/, 'must be the CloudFront public key id (K...)')
    .optional(),
  /** Secret: PEM of the RSA private key whose public half is in the distribution's key group. */
  CDN_PRIVATE_KEY: z.string().includes('PRIVATE KEY-----', { message: 'must be a PEM private key' }).optional(),
  /** No status from CloudFront within this many ms: read from S3 instead. */
  CDN_FIRST_BYTE_MS: z.coerce.number().int().min(50).max(30_000).default(2000),
});

export const edgeConfigSchema = storageSchema
  .extend(databaseSchema.shape)
  .extend(authSchema.shape)
  .extend(deadlineSchema.shape)
  .extend(webhookSchema.shape)
  .extend(cdnSchema.shape)
  .extend({
    APP_ENV: appEnv,
    /**
     * Work factor of new password hashes (edge/auth/password.ts): `standard` is
     * the production parameters; `low` (scrypt N=2^10, p=1, about 1/80 of the
     * work) only lets test suites that sign up hundreds of users run faster:
     * any APP_ENV but `test` refuses it, so a deployed Worker cannot use it.
     */
    PASSWORD_HASH_COST: z.enum(['standard', 'low']).default('standard'),
    /**
     * Secret: 32 random bytes, base64url: the AES-256-GCM key that seals TOTP
     * secrets at rest (edge/auth/totp/secret-box.ts). Required in production
     * (2FA routes answer 500 misconfigured without it); local and test runs
     * derive one from the active signing key when it is unset.
     */
    MFA_ENCRYPTION_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 random bytes, base64url (43 characters)')
      .optional(),
    /** Days a soft-deleted asset stays in the trash before the purge may remove its bytes (default 5 years). */
    RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(1826),
    /** Comma-separated origins allowed by CORS (the SPA's). */
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
  })
  .refine((c) => c.PASSWORD_HASH_COST === 'standard' || c.APP_ENV === 'test', {
    path: ['PASSWORD_HASH_COST'],
    message: 'may be "low" only when APP_ENV is test',
  })
  .superRefine(webhookRules)
  .refine(
    (c) =>
      [c.CDN_DOMAIN, c.CDN_KEY_PAIR_ID, c.CDN_PRIVATE_KEY].every((v) => v === undefined) ||
      (c.CDN_DOMAIN && c.CDN_KEY_PAIR_ID && c.CDN_PRIVATE_KEY),
    {
      path: ['CDN_DOMAIN'],
      message: 'set CDN_DOMAIN, CDN_KEY_PAIR_ID and CDN_PRIVATE_KEY together (or none: media from S3 only)',
    },
  );
export type EdgeConfig = z.output<typeof edgeConfigSchema>;

/** How the origin reaches Postgres: DATABASE_URL, or embedded PGlite under DATA_DIR when unset. */
export const originDatabaseSchema = z.object({
  DATABASE_URL: databaseSchema.shape.DATABASE_URL.optional(),
  DATABASE_WS_PROXY: z.string().default(''),
  DATABASE_WS_SECURE: bool.default(true),
  DATABASE_RELAY_KEY: relayKey,
  DATA_DIR: z.string().min(1).default('.data'),
});

/**
 * The origin (Lambda handlers, CLIs, local stack). In Lambda the S3
 * credentials are the execution role's (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, set by the runtime); elsewhere S3_ACCESS_KEY_ID and
 * S3_SECRET_ACCESS_KEY name them. The parsed config always has the pair to use.
 */
export const originConfigSchema = storageSchema
  .extend({
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
    AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    AWS_SESSION_TOKEN: z.string().min(1).optional(),
    /** Malware scanning of originals before processing: off, or ClamAV's clamscan / clamdscan (must be installed). */
    MALWARE_SCAN: z.enum(['off', 'clamscan', 'clamdscan']).default('off'),
    /** `production` in AWS (infra/origin-stack.ts sets it): webhook settings are held to production rules. */
    APP_ENV: appEnv,
    ...webhookSchema.shape,
    ...originDatabaseSchema.shape,
  })
  .superRefine(webhookRules)
  .transform((c, ctx) => {
    const accessKeyId = c.S3_ACCESS_KEY_ID ?? c.AWS_ACCESS_KEY_ID;
    const secretAccessKey = c.S3_SECRET_ACCESS_KEY ?? c.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['S3_ACCESS_KEY_ID'],
        message: 'set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or run with an AWS role)',
      });
      return z.NEVER;
    }
    // A session token belongs to the role's key pair only.
    const sessionToken = c.S3_ACCESS_KEY_ID ? undefined : c.AWS_SESSION_TOKEN;
    return { ...c, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey, S3_SESSION_TOKEN: sessionToken };
  });
export type OriginConfig = z.output<typeof originConfigSchema>;

/** Settings of the one-command local stack (`npm run dev`). */
export const devConfigSchema = z.object({
  DATA_DIR: z.string().min(1).default('.data'),
  HOST: z.literal('127.0.0.1').default('127.0.0.1'),
  EDGE_PORT: port.default(8787),
  S3_PORT: port.default(9000),
  PG_PORT: port.default(5432),
  PG_WS_PORT: port.default(5488),
  S3_ACCESS_KEY_ID: z.string().min(1).default('S3RVER'),
  S3_SECRET_ACCESS_KEY: z.string().min(1).default('S3RVER'),
  S3_BUCKET_RAW: bucketName.default('raw'),
  S3_BUCKET_DERIVATIVES: bucketName.default('derivatives'),
  CORS_ORIGINS: z.string().default('http://127.0.0.1:8787,http://localhost:8787,http://localhost:5173'),
  /**
   * `inline`: the edge Worker forwards what needs the database to an API Worker running the same
   * bundle in the same Miniflare, as deployed (issue #19 option (a), local/edge-runtime.ts);
   * `off`: the edge alone. `npm run dev` defaults to `inline` (local/dev-vars.ts).
   */
  EDGE_API_WORKER: z.enum(['inline', 'off']).default('off'),
});
export type DevConfig = z.output<typeof devConfigSchema>;

/** Thrown when configuration is missing or malformed; `issues` names each setting. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG_INVALID';
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `env` against `schema`, throwing a ConfigError that names every bad setting. */
export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, unknown>): z.output<S> {
  // Empty strings mean "unset" so that defaults apply the same way for
  // `FOO=` in a shell and an absent binding in wrangler.
  const cleaned: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== '' && v !== undefined) cleaned[k] = v;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}
