import type { EdgeConfig } from '../shared/config.ts';
import type { Database } from '../shared/db/database.ts';
import type { S3Client } from '../shared/storage/s3-client.ts';
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
  CORS_ORIGINS?: string;
  /** Secret: `{ "active": kid, "keys": [JWK...] }` (see shared/config.ts). */
  AUTH_SIGNING_KEYS: string;
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE?: string;
}

/** Services built by the `services` middleware, one set per request. */
export interface Services {
  config: EdgeConfig;
  storage: S3Client;
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
}

export type AppEnv = { Bindings: Bindings; Variables: Variables };
