/**
 * `npm run dev`: the whole platform on this machine, on loopback, data under
 * DATA_DIR (default .data/). Ctrl-C stops everything; the next start finds the
 * data as it was left.
 */
import { ConfigError, parseConfig } from '../shared/config.ts';
import { assertPortsFree, lockDataDir } from './data-lock.ts';
import { devStackConfigSchema } from './dev-vars.ts';
import { startLocalStack, type LocalStack } from './stack.ts';

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${line}`);

let starting: Promise<LocalStack> | undefined;
let unlock: (() => Promise<void>) | undefined;
let stopping = false;

async function stop(reason: string, code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log(`${reason}: stopping`);
    // A stack still starting is waited for, then closed: never orphan workerd.
    const stack = await starting?.catch(() => undefined);
    await stack?.close();
    await unlock?.();
    log('stopped');
  }
  process.exit(code);
}

/**
 * wrangler, Miniflare and signal-exit each install SIGINT/SIGTERM handlers that
 * call process.exit() at once, which would cut the orderly shutdown short (and
 * leave PGlite's files mid-write). This process owns its signals: ours is the
 * only handler, and stack.close() disposes of what those hooks would have.
 */
function ownSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(sig);
    process.on(sig, () => {
      // A second Ctrl-C, or a shutdown that hangs, ends the process regardless.
      if (stopping) process.exit(130);
      setTimeout(() => process.exit(1), 15_000).unref();
      void stop(sig, 0);
    });
  }
}

// Before anything starts, so an interrupted start still cleans up.
ownSignals();

async function main(): Promise<void> {
  const started = Date.now();
  const config = parseConfig(devStackConfigSchema, process.env);
  await assertPortsFree({
    EDGE_PORT: config.EDGE_PORT,
    S3_PORT: config.S3_PORT,
    PG_PORT: config.PG_PORT,
    PG_WS_PORT: config.PG_WS_PORT,
  });
  unlock = await lockDataDir(config.DATA_DIR);
  starting = startLocalStack(config, { log, devVarsFile: config.DEV_VARS_FILE });
  const stack = await starting;
  ownSignals(); // again: starting the stack registered more hooks
  if (stopping) return;
  // wrangler.toml's [dev] port is the stack's default EDGE_PORT, so a second edge needs another.
  const cmd = `npx wrangler dev${config.EDGE_PORT === 8787 ? ' --port 8788' : ''}`;
  const wrangler =
    stack.devVars?.status === 'written'
      ? `${cmd} runs a second edge against this stack (wrote ${config.DEV_VARS_FILE})`
      : `kept ${config.DEV_VARS_FILE}: it lacks our header line, so \`${cmd}\` uses it as you wrote it`;
  log(
    `local stack ready in ${Date.now() - started} ms
  edge (workerd)     ${stack.edge.url}   health: ${stack.edge.url}/healthz   ${config.EDGE_API_WORKER === 'inline' ? 'API Worker: media-api behind the API binding (EDGE_API_WORKER=off: the edge alone)' : 'API Worker: off (the edge answers everything)'}
  storage (S3)       ${stack.s3.endpoint}   buckets: ${config.S3_BUCKET_RAW}, ${config.S3_BUCKET_DERIVATIVES}   access key: ${config.S3_ACCESS_KEY_ID}
  postgres (PGlite)  ${stack.postgres.url}   ws relay: ${stack.postgres.wsProxy}
  data               ${config.DATA_DIR}
  wrangler dev       ${wrangler}
Ctrl-C to stop.`,
  );
}

main().catch(async (err: unknown) => {
  console.error(err instanceof ConfigError || err instanceof Error ? err.message : err);
  if (!(err instanceof ConfigError) && err instanceof Error && err.stack && process.env.DEBUG) console.error(err.stack);
  await stop('start failed', 1);
});
