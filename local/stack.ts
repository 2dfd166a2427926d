/**
 * The whole local stack in one process: S3-compatible storage, embedded
 * Postgres with the production driver's relay, the event dispatcher, and the
 * edge Worker in workerd. `npm run dev` runs it; tests and benchmarks start it
 * on free ports with a throwaway data folder.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DevConfig } from '../shared/config.ts';
import type { SqsHandler } from '../origin/events/types.ts';
import { createIngestHandler } from '../origin/handlers/ingest.ts';
import { handleJobStateChange } from '../origin/handlers/mediaconvert-complete.ts';
import type { Logger, PipelineDeps } from '../origin/core/deps.ts';
import { openStorage } from '../origin/core/storage.ts';
import { sweepAbandonedUploads } from '../origin/pipeline/abandoned-uploads.ts';
import { sweepStuckJobs } from '../origin/pipeline/sweeper.ts';
import { reconcile } from '../origin/pipeline/reconcile.ts';
import { INGEST_TEMP_PREFIX } from '../origin/pipeline/ingest.ts';
import { removeStaleTemp } from './stale-temp.ts';
import { sweepExpiredRows } from '../origin/pipeline/expired-rows.ts';
import { dispatchWebhooks, webhookSettings } from '../origin/webhooks/dispatcher.ts';
import { FfmpegTranscoder } from './ffmpeg-transcoder.ts';
import { LocalDispatcher } from './dispatcher.ts';
import { loadOrCreateDevKeys, loadOrCreateRelayKey } from './dev-keys.ts';
import { writeDevVars } from './dev-vars.ts';
import { bundleEdge, startEdge, type EdgeRuntime } from './edge-runtime.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';
import { startLocalS3, type LocalS3 } from './s3-server.ts';
import { startCdnStandIn, type CdnStandIn } from './cdn-stand-in.ts';
import { buildWeb } from '../web/build.ts';

export interface LocalStack {
  edge: EdgeRuntime;
  s3: LocalS3;
  /** CloudFront's stand-in in front of the derivatives bucket: every derivative the edge serves comes through it. */
  cdn: CdnStandIn;
  postgres: EmbeddedPostgres;
  dispatcher: LocalDispatcher;
  /** The pipeline's dependencies, as the Lambdas get them in AWS (ffmpeg stands in for MediaConvert). */
  pipeline: PipelineDeps & { transcoder: FfmpegTranscoder };
  /** The bindings the edge was started with (what a deployed Worker gets from wrangler.toml + secrets). */
  bindings: Record<string, string>;
  /** The `.dev.vars` for `npx wrangler dev`, when asked for: written, or kept because someone else wrote it. */
  devVars?: { file: string; status: 'written' | 'kept' };
  close(): Promise<void>;
}

/** The local key group's one key id (any K... id; CloudFront assigns real ones). */
export const LOCAL_CDN_KEY_PAIR_ID = 'KLOCALDEVSTACK';

/** How often the local stack reconciles unfinished assets and sweeps stuck jobs and uploads. */
export const RECONCILE_EVERY_MS = 60_000;
/** How often the local stack delivers due webhooks (AWS: a scheduled Lambda, several passes a minute). */
export const WEBHOOKS_EVERY_MS = 1_000;
/**
 * The local stack's webhook settings: the fixed local sealing key (both the
 * edge and this dispatcher derive it; production needs WEBHOOK_SECRET_KEY)
 * and loopback receivers allowed, so tests and local tools can receive.
 */
const LOCAL_WEBHOOKS = { APP_ENV: 'local', WEBHOOK_ALLOW_LOOPBACK_HTTP: true } as const;

export async function startLocalStack(
  config: DevConfig,
  opts: {
    handler?: SqsHandler;
    log?: (line: string) => void;
    devVarsFile?: string;
    reconcileEveryMs?: number;
    webhooksEveryMs?: number;
    /** Passed to the local transcoder (FfmpegTranscoderOptions.beforeLadder): tests hold a ladder there. */
    beforeLadder?: (assetId: string) => Promise<void>;
  } = {},
): Promise<LocalStack> {
  const log = opts.log ?? (() => {});
  const dataDir = path.resolve(config.DATA_DIR);
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((e) => log(`shutdown: ${String(e)}`));
  };
  try {
    const corsOrigins = config.CORS_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // allSettled, not all: when one part fails, the others must finish
    // starting before they can be closed, or they would outlive the stack.
    const signingKeys = await loadOrCreateDevKeys(dataDir);
    // The relay's caller proof, as in production: the edge mints a token per
    // connection with this key and the local relay refuses upgrades without one.
    const relayKey = await loadOrCreateRelayKey(dataDir);
    const [bundled, webBuilt, s3Started, pgStarted] = await Promise.allSettled([
      bundleEdge(path.join(dataDir, 'edge-build')),
      // Per stack, so stacks started side by side (tests) never rebuild each other's files.
      buildWeb(path.join(dataDir, 'web')),
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
        relayKey,
      }),
    ]);
    if (s3Started.status === 'fulfilled') cleanups.push(s3Started.value.close);
    if (pgStarted.status === 'fulfilled') cleanups.push(pgStarted.value.close);
    for (const r of [bundled, webBuilt, s3Started, pgStarted]) if (r.status === 'rejected') throw r.reason;
    const scriptPath = (bundled as PromiseFulfilledResult<string>).value;
    const s3 = (s3Started as PromiseFulfilledResult<LocalS3>).value;
    const postgres = (pgStarted as PromiseFulfilledResult<EmbeddedPostgres>).value;
    // CloudFront as in production (infra/constructs/cdn.ts): signed URLs from a key pair made for
    // this run (the edge and the stand-in get its two halves), OAC-style signed reads of the bucket.
    const cdnKeys = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const cdn = await startCdnStandIn({
      s3Endpoint: s3.endpoint,
      bucket: config.S3_BUCKET_DERIVATIVES,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      trustedKeys: { [LOCAL_CDN_KEY_PAIR_ID]: cdnKeys.publicKey },
    });
    cleanups.push(cdn.close);
    // The pipeline, wired as in AWS: storage events -> dispatcher (EventBridge + SQS) -> the
    // ingest handler; videos -> ffmpeg (for MediaConvert) -> the completion handler.
    const plog: Logger = {
      info: (m, f) => log(`pipeline: ${m}${f ? ` ${JSON.stringify(f)}` : ''}`),
      warn: (m, f) => log(`pipeline warn: ${m}${f ? ` ${JSON.stringify(f)}` : ''}`),
      error: (m, f) => log(`pipeline error: ${m}${f ? ` ${JSON.stringify(f)}` : ''}`),
    };
    const storage = openStorage({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    });
    cleanups.push(async () => storage.client.destroy());
    const tmpDir = path.join(dataDir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    let pipeline!: PipelineDeps & { transcoder: FfmpegTranscoder };
    const transcoder = new FfmpegTranscoder({
      db: postgres.handle.db,
      storage,
      tmpDir,
      concurrency: 1,
      log: plog,
      ...(opts.beforeLadder ? { beforeLadder: opts.beforeLadder } : {}),
      onComplete: async (event) => {
        await handleJobStateChange(pipeline, event);
      },
    });
    pipeline = {
      db: postgres.handle.db,
      storage,
      buckets: { raw: config.S3_BUCKET_RAW, derivatives: config.S3_BUCKET_DERIVATIVES },
      transcoder,
      log: plog,
      now: () => new Date(),
      tmpDir,
    };
    // Closed after the dispatcher (cleanups run in reverse), before Postgres and storage.
    cleanups.push(() => transcoder.close());
    // Both queues live in Postgres: what a killed process had received comes back now.
    const dispatcher = await LocalDispatcher.start(
      { db: postgres.handle.db, bucket: config.S3_BUCKET_RAW, handler: opts.handler ?? createIngestHandler(pipeline), log },
      { deliver: false },
    );
    cleanups.push(() => dispatcher.close());
    await transcoder.start();
    // The data lock is ours, so no ingest of this data runs: an `ingest-*` folder is a killed one's.
    const stale = await removeStaleTemp(tmpDir, [INGEST_TEMP_PREFIX]);
    if (stale.length) log(`removed the temp folders of ${stale.length} ingest job(s) a previous run left`);
    // This process holds the data lock, so no ingest of this data is running: release held leases
    // and re-queue whatever lost its event, before delivery starts.
    await reconcile({ ...pipeline, requeue: dispatcher }, { workersGone: true, graceMs: 0 }).catch((e: unknown) =>
      log(`reconcile: ${String(e)}`),
    );
    dispatcher.resume();
    // What the scheduled sweeper Lambda does in AWS, on a shorter period.
    let sweeping = false;
    const sweep = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      void Promise.allSettled([
        reconcile({ ...pipeline, requeue: dispatcher }).catch((e: unknown) => log(`reconcile: ${String(e)}`)),
        sweepStuckJobs(pipeline).catch((e: unknown) => log(`sweeper: ${String(e)}`)),
        sweepAbandonedUploads(pipeline).catch((e: unknown) => log(`upload sweeper: ${String(e)}`)),
      ]).finally(() => (sweeping = false));
    }, opts.reconcileEveryMs ?? RECONCILE_EVERY_MS);
    sweep.unref();
    cleanups.push(async () => clearInterval(sweep));
    const expire = setInterval(() => {
      sweepExpiredRows(pipeline).catch((e: unknown) => log(`expired rows sweeper: ${String(e)}`));
    }, 15 * 60_000);
    expire.unref();
    cleanups.push(async () => clearInterval(expire));
    // What the webhooks Lambda does in AWS (origin/handlers/webhooks.ts).
    const hooks = { ...pipeline, webhooks: webhookSettings(LOCAL_WEBHOOKS) };
    let delivering: Promise<unknown> | null = null;
    const deliver = setInterval(() => {
      delivering ??= dispatchWebhooks(hooks)
        .catch((e: unknown) => log(`webhooks: ${String(e)}`))
        .finally(() => (delivering = null));
    }, opts.webhooksEveryMs ?? WEBHOOKS_EVERY_MS);
    deliver.unref();
    cleanups.push(async () => {
      clearInterval(deliver);
      await delivering;
    });
    s3.onEvent(dispatcher.onStorageEvent);
    const bindings: Record<string, string> = {
      APP_ENV: 'local',
      WEBHOOK_ALLOW_LOOPBACK_HTTP: String(LOCAL_WEBHOOKS.WEBHOOK_ALLOW_LOOPBACK_HTTP),
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
      DATABASE_RELAY_KEY: relayKey,
      CORS_ORIGINS: config.CORS_ORIGINS,
      AUTH_SIGNING_KEYS: signingKeys,
      AUTH_ISSUER: `http://127.0.0.1:${config.EDGE_PORT}`,
      AUTH_AUDIENCE: 'media-platform',
      CDN_DOMAIN: cdn.endpoint,
      CDN_KEY_PAIR_ID: LOCAL_CDN_KEY_PAIR_ID,
      // One line (.dev.vars holds no line breaks); the edge reads the PEM body either way.
      CDN_PRIVATE_KEY: cdnKeys.privateKey.replaceAll('\n', ''),
    };
    const edge = await startEdge({
      scriptPath,
      port: config.EDGE_PORT,
      bindings,
      assetsDirectory: path.join(dataDir, 'web'),
      // The production shape: requests that need the database go through the `API` binding to the API Worker.
      ...(config.EDGE_API_WORKER === 'inline' ? { api: 'inline' as const } : {}),
    });
    cleanups.push(edge.close);
    // Last, so the file never describes a stack that failed to start.
    const devVarsFile = opts.devVarsFile ? path.resolve(opts.devVarsFile) : undefined;
    const devVars = devVarsFile ? { file: devVarsFile, status: await writeDevVars(devVarsFile, bindings) } : undefined;
    return { edge, s3, cdn, postgres, dispatcher, pipeline, bindings, devVars, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
