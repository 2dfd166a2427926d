/**
 * One browser-test stack in a process of its own, as the e2e global setup
 * (test/setup/e2e-stacks.ts) starts it: the whole local stack (edge in
 * workerd serving the SPA, S3 server, PGlite, the pipeline with ffmpeg) on
 * free ports with a throwaway data folder. It prints `{"url": ...}` as one
 * line once ready (with `holdDir`: while a file named by an asset id exists
 * there, the local transcoder holds that asset's ladder after its quick
 * phase), and shuts down when its stdin closes (the setup's
 * teardown, or the test run dying), so no part of it outlives the run.
 *
 * Its own process keeps the stack's PGlite and storage server off the event
 * loop of vitest's main process, which also coordinates every other project.
 */
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../local/ports.ts';
import { startLocalStack } from '../../../local/stack.ts';
import { devConfigSchema, parseConfig } from '../../../shared/config.ts';

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-e2e-'));
const edgePort = await freePort();
const url = `http://127.0.0.1:${edgePort}`;
const config = parseConfig(devConfigSchema, {
  DATA_DIR: dataDir,
  EDGE_PORT: String(edgePort),
  S3_PORT: '0',
  PG_PORT: '0',
  PG_WS_PORT: '0',
  // The edge's origin is known before start, so storage's CORS allows the browser's direct uploads.
  CORS_ORIGINS: url,
  // The browser suite runs the production shape: the edge Worker forwards what needs the database
  // to the API Worker over the service binding (issue #19). EDGE_API_WORKER=off: the edge alone.
  EDGE_API_WORKER: process.env.EDGE_API_WORKER ?? 'inline',
});
const lines: string[] = [];
const holdDir = path.join(dataDir, 'hold-ladder');
await mkdir(holdDir);
const held = (assetId: string) =>
  access(path.join(holdDir, assetId)).then(
    () => true,
    () => false,
  );
const beforeLadder = async (assetId: string) => {
  while (await held(assetId)) await new Promise((r) => setTimeout(r, 200));
};
const stack = await startLocalStack(config, { log: (l) => lines.push(l), beforeLadder }).catch(async (err: unknown) => {
  await rm(dataDir, { recursive: true, force: true });
  throw err;
});

let closing: Promise<void> | undefined;
const close = () =>
  (closing ??= (async () => {
    await stack.close().catch((e: unknown) => lines.push(`close: ${String(e)}`));
    await rm(dataDir, { recursive: true, force: true });
    if (process.env.E2E_STACK_LOG) process.stderr.write(`${lines.join('\n')}\n`);
    process.exit(0);
  })());
process.stdin.on('end', close).resume();
process.on('SIGTERM', close);
// The database too, for tests that seed rows directly (thousands of assets without uploading them).
const database = {
  url: stack.bindings.DATABASE_URL,
  wsProxy: stack.bindings.DATABASE_WS_PROXY,
  relayKey: stack.bindings.DATABASE_RELAY_KEY,
};
process.stdout.write(`${JSON.stringify({ url, holdDir, database })}\n`);
