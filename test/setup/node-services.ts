/**
 * Global setup of the Node integration project: a SigV4-verifying S3 server
 * and Debian's PostgreSQL behind PgBouncer in transaction mode with SCRAM
 * logins (as RDS Proxy fronts RDS: local/pgbouncer.ts) and the WebSocket
 * relay, on free loopback ports, stopped when the run ends. Tests reach them
 * through `inject()`: `pgUrl` is the pooled path every suite uses;
 * `pgDirectUrl` (trust, no pooler) is only for what must watch server
 * sessions themselves (pg_stat_activity) or log in with any password.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../local/ports.ts';
import { startPgBouncer } from '../../local/pgbouncer.ts';
import { startPostgresServer } from '../../local/postgres-server.ts';
import { startLocalS3 } from '../../local/s3-server.ts';
import { startWsRelay } from '../../local/ws-relay.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
    pgUrl: string;
    pgDirectUrl: string;
    pgWsProxy: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'media-node-s3-'));
  const s3 = await startLocalS3({ directory: dir, port: 0, buckets: ['raw', 'derivatives'], corsOrigins: [] });
  const pg = await startPostgresServer({ port: await freePort() });
  const password = randomBytes(12).toString('base64url');
  const pooler = await startPgBouncer({ target: pg, port: await freePort(), users: { postgres: password } });
  // As in AWS, the relay logs in for the edge's role (here `postgres`), so an edge under test pipelines its start-up.
  const relay = await startWsRelay({
    port: 0,
    allow: [`127.0.0.1:${pooler.port}`, `127.0.0.1:${pg.port}`],
    login: { user: 'postgres', password },
  });
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('pgUrl', `postgres://postgres:${password}@127.0.0.1:${pooler.port}/postgres`);
  project.provide('pgDirectUrl', pg.url);
  project.provide('pgWsProxy', relay.proxy);
  return async () => {
    await relay.close();
    await pooler.close();
    await pg.close();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  };
}
