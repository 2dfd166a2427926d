import type { EdgeConfig } from '../shared/config.ts';
import type { Database } from '../shared/db/database.ts';
import type { S3Client } from './storage/s3-client.ts';
import type { MediaReader } from './storage/cdn-reader.ts';
import type { KeySet } from '../shared/tokens/index.ts';

/**
 * Worker bindings. Every value is a string var or secret declared in
 * wrangler.toml; `parseEdgeEnv` checks them once per isolate.
 */
export interface Bindings {
  APP_ENV?: string;
  S3_ENDPOINT: string;
  S3_REGION?: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  S3_BUCKET_RAW: string;
  S3_BUCKET_DERIVATIVES: string;
  S3_FORCE_PATH_STYLE?: string;
  DATABASE_URL: string;
  DATABASE_WS_PROXY?: string;
  DATABASE_WS_SECURE?: string;
  /** Secret: key of the DB relay's caller proof (shared/db/relay-token.ts). */
  DATABASE_RELAY_KEY?: string;
  CORS_ORIGINS?: string;
  /** Secret: `{ "active": kid, "keys": [JWK...] }` (see shared/config.ts). */
  AUTH_SIGNING_KEYS: string;
  AUTH_ISSUER?: string;
  /** Secret: the key that seals TOTP secrets at rest (shared/config.ts). */
  MFA_ENCRYPTION_KEY?: string;
  AUTH_AUDIENCE?: string;
  /** CloudFront in front of the derivatives bucket (shared/config.ts `cdnSchema`): all three or none. */
  CDN_DOMAIN?: string;
  CDN_KEY_PAIR_ID?: string;
  /** Secret: PEM of the CloudFront signing key. */
  CDN_PRIVATE_KEY?: string;
  CDN_FIRST_BYTE_MS?: string;
  /** Days a soft-deleted asset stays in the trash before it may be purged (default 1826, 5 years). */
  RETENTION_DAYS?: string;
  /**
   * Workers Rate Limiting bindings (`[[ratelimits]]` in wrangler.toml). Optional:
   * without them the per-client limit is off and only the database-backed
   * login attempt limit applies (edge/middleware/rate-limit.ts).
   */
  AUTH_RATE_LIMITER?: RateLimiter;
  /** Workers static assets (wrangler.toml [assets]): the built SPA. Optional: an API-only edge runs without it. */
  ASSETS?: { fetch(request: Request): Promise<Response> };
  API_RATE_LIMITER?: RateLimiter;
  /**
   * The service binding to the API Worker (wrangler.toml [env.production]; option (a) of issue #19).
   * When bound, the edge forwards the requests that need the database (edge/platform/region-forward.ts).
   */
  API?: { fetch(request: Request): Promise<Response> };
  /** `"api"` in the API Worker (wrangler.api.toml): it serves forwarded requests; unset in the edge Worker. */
  WORKER_ROLE?: string;
  /** Files started per upload link (edge/drops/), keyed `link:<id>`. */
  DROP_RATE_LIMITER?: RateLimiter;
}

/** The Workers Rate Limiting binding's API (declared here so Node-side type checks of shared code need no workers types). */
export interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** Services built by the `services` middleware, one set per request. */
export interface Services {
  config: EdgeConfig;
  storage: S3Client;
  /** Where delivery reads media bytes: CloudFront for derivatives when configured, else (and as its fallback) `storage`. */
  media: MediaReader;
  /** The token key set, imported once per isolate. */
  keys(): Promise<KeySet>;
  /** iss and aud of every token this edge signs and accepts. */
  tokenParty: { issuer: string; audience: string };
  /** Opens the request's database pool on first use; closed after the response. */
  db(): Database;
}

export interface Variables {
  requestId: string;
  services: Services;
  /** The caller, once `requireUser()` / `optionalUser()` verified an access token (edge/auth/authenticate.ts). */
  user?: { id: string; sid?: string; apiKeyId?: string };
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };
