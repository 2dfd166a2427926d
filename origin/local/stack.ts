/**
 * The whole local stack in one process: S3-compatible storage, embedded
 * Postgres with the production driver's relay, the event dispatcher, and the
 * edge Worker in workerd. `npm run dev` runs it; tests and benchmarks start it
 * on free ports with a throwaway data folder.
 */
import path from 'node:path';
import type { DevConfig } from '../../shared/config.ts';
import type { SqsHandler } from '../events/types.ts';
import { LocalDispatcher } from './dispatcher.ts';
import { loadOrCreateDevKeys } from './dev-keys.ts';
import { bundleEdge, startEdge, type EdgeRuntime } from './edge-runtime.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';
import { startLocalS3, type LocalS3 } from './s3-server.ts';

export interface LocalStack {
  edge: EdgeRuntime;
  s3: LocalS3;
  postgres: EmbeddedPostgres;
  dispatcher: LocalDispatcher;
  /** The bindings the edge was started with (what a deployed Worker gets from wrangler.toml + secrets). */
  bindings: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Until the ingest handler exists (the pipeline issue), raw-bucket events are
 * acknowledged and logged so the plumbing can be seen working.
 */
export const logOnlyHandler =
  (log: (line: string) => void): SqsHandler =>
  async (event) => {
    for (const r of event.Records) {
      const e = JSON.parse(r.body) as { detail: { bucket: { name: string }; object: { key: string; size: number } } };
      log(`event: Object Created ${e.detail.bucket.name}/${e.detail.object.key} (${e.detail.object.size} bytes)`);
    }
    return { batchItemFailures: [] };
  };

export async function startLocalStack(
  config: DevConfig,
  opts: { handler?: SqsHandler; log?: (line: string) => void } = {},
): Promise<LocalStack> {
  const log = opts.log ?? (() => {});
  const dataDir = path.resolve(config.DATA_DIR);
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((e) => log(`shutdown: ${String(e)}`));
  };
  try {
    const corsOrigins = config.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean);
    // allSettled, not all: when one part fails, the others must finish
    // starting before they can be closed, or they would outlive the stack.
    const signingKeys = await loadOrCreateDevKeys(dataDir);
    const [bundled, s3Started, pgStarted] = await Promise.allSettled([
      bundleEdge(path.join(dataDir, 'edge-build')),
      startLocalS3({
        directory: path.join(dataDir, 's3'),
        port: config.S3_PORT,
        buckets: [config.S3_BUCKET_RAW, config.S3_BUCKET_DERIVATIVES],
        corsOrigins,
        credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
      }),
      startEmbeddedPostgres({
        dataDir: path.join(dataDir, 'pg'),
        port: config.PG_PORT,
        wsPort: config.PG_WS_PORT,
      }),
    ]);
    if (s3Started.status === 'fulfilled') cleanups.push(s3Started.value.close);
    if (pgStarted.status === 'fulfilled') cleanups.push(pgStarted.value.close);
    for (const r of [bundled, s3Started, pgStarted]) if (r.status === 'rejected') throw r.reason;
    const scriptPath = (bundled as PromiseFulfilledResult<string>).value;
    const s3 = (s3Started as PromiseFulfilledResult<LocalS3>).value;
    const postgres = (pgStarted as PromiseFulfilledResult<EmbeddedPostgres>).value;
    const dispatcher = new LocalDispatcher({
      bucket: config.S3_BUCKET_RAW,
      handler: opts.handler ?? logOnlyHandler(log),
      log,
    });
    cleanups.push(() => dispatcher.close());
    s3.onEvent(dispatcher.onStorageEvent);
    const bindings: Record<string, string> = {
      APP_ENV: 'local',
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: config.S3_ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: config.S3_SECRET_ACCESS_KEY,
      S3_BUCKET_RAW: config.S3_BUCKET_RAW,
      S3_BUCKET_DERIVATIVES: config.S3_BUCKET_DERIVATIVES,
      S3_FORCE_PATH_STYLE: 'true',
      DATABASE_URL: postgres.url,
      DATABASE_WS_PROXY: postgres.wsProxy,
      DATABASE_WS_SECURE: 'false',
      CORS_ORIGINS: config.CORS_ORIGINS,
      AUTH_SIGNING_KEYS: signingKeys,
      AUTH_ISSUER: `http://127.0.0.1:${config.EDGE_PORT}`,
      AUTH_AUDIENCE: 'media-platform',
    };
    const edge = await startEdge({ scriptPath, port: config.EDGE_PORT, bindings });
    cleanups.push(edge.close);
    return { edge, s3, postgres, dispatcher, bindings, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
