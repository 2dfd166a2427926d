import { createMiddleware } from 'hono/factory';
import { ConfigError, deadlinesOf, edgeConfigSchema, parseConfig, type EdgeConfig } from '../../shared/config.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { S3Client } from '../storage/s3-client.ts';
import { KeySet } from '../../shared/tokens/index.ts';
import type { AppEnv, Bindings } from '../env.ts';
import { AppError } from '../errors.ts';
import { storageWithDeadlines } from '../deadline-storage.ts';
import { CdnReader, cdnBase, type MediaReader } from '../storage/cdn-reader.ts';
import { importCloudFrontKey, type CloudFrontSigner } from '../../shared/cdn/signed-url.ts';
import { isSubtitleFile } from '../../shared/profiles/subtitles.ts';
import { isPlaylist } from '../delivery/hls.ts';

// Per isolate: config is parsed once per bindings object, and the S3 client
// (pure signing state, no sockets) is reused across requests.
const configs = new WeakMap<object, EdgeConfig>();
const storages = new WeakMap<EdgeConfig, S3Client>();
const keySets = new WeakMap<EdgeConfig, Promise<KeySet>>();
const mediaReaders = new WeakMap<EdgeConfig, MediaReader>();

/** CloudFront for derivatives when CDN_* are set (edge/storage/cdn-reader.ts), else S3; one per isolate (it memoises signed URLs). */
function mediaFor(config: EdgeConfig, storage: S3Client): MediaReader {
  if (!config.CDN_DOMAIN || !config.CDN_KEY_PAIR_ID || !config.CDN_PRIVATE_KEY) return storage;
  let reader = mediaReaders.get(config);
  if (!reader) {
    const keyPairId = config.CDN_KEY_PAIR_ID;
    let signer: Promise<CloudFrontSigner> | undefined;
    reader = new CdnReader({
      base: cdnBase(config.CDN_DOMAIN),
      bucket: config.S3_BUCKET_DERIVATIVES,
      fallback: storage,
      // What changes in place (master.m3u8 as rungs complete, subtitles replaced): CloudFront would keep the old copy.
      bypass: (key) => isPlaylist(key) || isSubtitleFile(key),
      firstByteMs: config.CDN_FIRST_BYTE_MS,
      signer: () =>
        (signer ??= importCloudFrontKey(config.CDN_PRIVATE_KEY!).then(
          (privateKey) => ({ keyPairId, privateKey }),
          (err: unknown) => {
            signer = undefined;
            console.error(JSON.stringify({ level: 'error', msg: `CDN_PRIVATE_KEY: ${String(err)}` }));
            throw new AppError('misconfigured', 'The service is misconfigured.', { cause: err });
          },
        )),
    });
    mediaReaders.set(config, reader);
  }
  return reader;
}

export function edgeConfig(env: Bindings): EdgeConfig {
  let config = configs.get(env);
  if (!config) {
    config = parseConfig(edgeConfigSchema, env as unknown as Record<string, unknown>);
    configs.set(env, config);
  }
  return config;
}

function storageFor(config: EdgeConfig): S3Client {
  let s3 = storages.get(config);
  if (!s3) {
    s3 = new S3Client({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
    });
    storages.set(config, s3);
  }
  return s3;
}

/** The key set of this config, imported once; a bad key is a misconfiguration, named in the log. */
function keysFor(config: EdgeConfig): Promise<KeySet> {
  let keys = keySets.get(config);
  if (!keys) {
    const { active, keys: jwks } = config.AUTH_SIGNING_KEYS;
    const activeJwk = jwks.find((k) => k.kid === active)!;
    keys = KeySet.fromJwks(
      activeJwk,
      jwks.filter((k) => k !== activeJwk),
    ).catch((err: unknown) => {
      keySets.delete(config);
      console.error(JSON.stringify({ level: 'error', msg: `AUTH_SIGNING_KEYS: ${String(err)}` }));
      throw new AppError('misconfigured', 'The service is misconfigured.', { cause: err });
    });
    keySets.set(config, keys);
  }
  return keys;
}

/**
 * Builds the request's services. The database pool is opened lazily (most
 * media requests never touch it) and, because workerd forbids sharing a socket
 * between requests, it lives for this request only and is closed after it.
 */
export const services = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    let config: EdgeConfig;
    try {
      config = edgeConfig(c.env);
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(JSON.stringify({ level: 'error', msg: err.message, requestId: c.get('requestId') }));
        throw new AppError('misconfigured', 'The service is misconfigured.', { cause: err });
      }
      throw err;
    }
    let handle: DatabaseHandle | undefined;
    const deadlines = deadlinesOf(config);
    // Every wait on storage and the database has a deadline (shared/deadline.ts);
    // a miss answers 503 through app.ts's error handler.
    const storage = storageWithDeadlines(storageFor(config), deadlines);
    c.set('services', {
      config,
      storage,
      media: mediaFor(config, storage),
      keys: () => keysFor(config),
      tokenParty: { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE },
      db() {
        handle ??= openNeonDatabase({
          url: config.DATABASE_URL,
          wsProxy: config.DATABASE_WS_PROXY,
          secure: config.DATABASE_WS_SECURE,
          relayKey: config.DATABASE_RELAY_KEY,
          relayLogin: config.DATABASE_RELAY_LOGIN,
          // One connection per request: every connection costs the WebSocket, TLS and
          // SCRAM round trips to the region, so concurrent queries (a Promise.all)
          // queue on it instead of opening a second one. No edge code uses `db`
          // inside its own transaction (that would wait for this connection forever).
          max: 1,
          deadlines: { connectMs: deadlines['database-connect'], queryMs: deadlines['database-query'] },
        });
        return handle.db;
      },
    });
    try {
      await next();
    } finally {
      if (handle) {
        const closing = handle.close().catch(() => {});
        try {
          c.executionCtx.waitUntil(closing);
        } catch {
          await closing; // no execution context (app.request in tests)
        }
      }
    }
  });
