/**
 * The whole local stack for browser tests, as `npm run dev` runs it (edge in
 * workerd serving the built SPA, S3 server, PGlite, the real pipeline with
 * ffmpeg), on free ports with a throwaway data folder. The edge's origin is
 * known before start so storage's CORS allows the browser's direct uploads.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../local/ports.ts';
import { startLocalStack, type LocalStack } from '../../../local/stack.ts';
import { devConfigSchema, parseConfig } from '../../../shared/config.ts';

export interface E2eStack {
  stack: LocalStack;
  /** The edge's origin: the SPA and the API. */
  url: string;
  close(): Promise<void>;
}

export async function startE2eStack(): Promise<E2eStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-e2e-'));
  const edgePort = await freePort();
  const url = `http://127.0.0.1:${edgePort}`;
  const config = parseConfig(devConfigSchema, {
    DATA_DIR: dataDir,
    EDGE_PORT: String(edgePort),
    S3_PORT: '0',
    PG_PORT: '0',
    PG_WS_PORT: '0',
    CORS_ORIGINS: url,
  });
  const lines: string[] = [];
  let stack: LocalStack;
  try {
    stack = await startLocalStack(config, { log: (l) => lines.push(l) });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    stack,
    url,
    async close() {
      await stack.close();
      await rm(dataDir, { recursive: true, force: true });
      if (process.env.E2E_STACK_LOG) console.log(lines.join('\n'));
    },
  };
}
