/**
 * Global setup of the Node integration project: a SigV4-verifying S3 server
 * and Debian's PostgreSQL behind the WebSocket relay, on free loopback ports,
 * stopped when the run ends. Tests reach them through `inject()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../local/ports.ts';
import { startPostgresServer } from '../../local/postgres-server.ts';
import { startLocalS3 } from '../../local/s3-server.ts';
import { startWsRelay } from '../../local/ws-relay.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    pgUrl: string;
    pgWsProxy: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'media-node-s3-'));
  const s3 = await startLocalS3({ directory: dir, port: 0, buckets: ['raw', 'derivatives'], corsOrigins: [] });
  const pg = await startPostgresServer({ port: await freePort() });
  const relay = await startWsRelay({ port: 0, allow: [`127.0.0.1:${pg.port}`] });
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('pgUrl', pg.url);
  project.provide('pgWsProxy', relay.proxy);
  return async () => {
    await relay.close();
    await pg.close();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  };
}
