/**
 * `npm run dev`: the whole platform on this machine, on loopback, data under
 * DATA_DIR (default .data/). Ctrl-C stops everything; the next start finds the
 * data as it was left.
 */
import { ConfigError, devConfigSchema, parseConfig } from '../../shared/config.ts';
import { assertPortsFree, lockDataDir } from './data-lock.ts';
import { startLocalStack, type LocalStack } from './stack.ts';

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${line}`);

let stack: LocalStack | undefined;
let unlock: (() => Promise<void>) | undefined;
let stopping = false;

async function stop(reason: string, code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log(`${reason}: stopping`);
    await stack?.close();
    await unlock?.();
    log('stopped');
  }
  process.exit(code);
}

// Registered before anything starts, so an interrupted start still cleans up.
process.on('SIGINT', () => void stop('SIGINT', 0));
process.on('SIGTERM', () => void stop('SIGTERM', 0));

async function main(): Promise<void> {
  const started = Date.now();
  const config = parseConfig(devConfigSchema, process.env);
  await assertPortsFree({
    EDGE_PORT: config.EDGE_PORT,
    S3_PORT: config.S3_PORT,
    PG_PORT: config.PG_PORT,
    PG_WS_PORT: config.PG_WS_PORT,
  });
  unlock = await lockDataDir(config.DATA_DIR);
  stack = await startLocalStack(config, { log });
  if (stopping) return;
  log(
    `local stack ready in ${Date.now() - started} ms
  edge (workerd)     ${stack.edge.url}   health: ${stack.edge.url}/healthz
  storage (S3)       ${stack.s3.endpoint}   buckets: ${config.S3_BUCKET_RAW}, ${config.S3_BUCKET_DERIVATIVES}   access key: ${config.S3_ACCESS_KEY_ID}
  postgres (PGlite)  ${stack.postgres.url}   ws relay: ${stack.postgres.wsProxy}
  data               ${config.DATA_DIR}
Ctrl-C to stop.`,
  );
}

main().catch(async (err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof Error ? err.message : err);
  if (!(err instanceof ConfigError) && err instanceof Error && err.stack && process.env.DEBUG) console.error(err.stack);
  await stop('start failed', 1);
});
