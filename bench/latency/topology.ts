/**
 * The round-trip harness's topology, every part real:
 *
 *   client ── edge (workerd, the deployed bundle)
 *               ├─ WebSocket ── [delay proxy: D each way, counts opens] ── ws relay (caller proof, logs in)
 *               │                 ── [counting proxy: Postgres messages] ── PgBouncer (transaction mode, SCRAM) ── Debian PostgreSQL
 *               └─ HTTP ── [delay proxy: D each way, counts requests] ── S3 server (SigV4)
 *
 * The client sits next to the edge (no delay): the distance is between the
 * edge and the region, as for a Cloudflare location far from AWS.
 *
 * `placed: true` is issue #19's option (a), the production shape: the edge's
 * `API` service binding reaches an API Worker (the same bundle, WORKER_ROLE
 * api, its own workerd) through an HTTP proxy that adds D each way and counts
 * requests; the API Worker's own relay and S3 links (a relay and a Postgres
 * counter of their own) add IN_REGION_MS each way, the distance from a
 * Worker placed in the region. The edge keeps its links at D for what it
 * still serves itself (signed and anonymous media).
 *
 *   client ── edge ──[API link: D, no handshakes: a warm backbone connection]── API Worker
 *               │                                                                ├─ WebSocket ── [IN_REGION_MS] ── relay ── counter ── PgBouncer ── PostgreSQL
 *               └─ (as above, D) relay / S3                                       └─ HTTP ── [IN_REGION_MS] ── S3 server New
 * connections pay `handshakeRtts` round trips (TCP + TLS = 2 by default, the
 * relay's load balancer and S3 speak TLS in production; here they do not).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import ws from 'ws';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { applyMigrations } from '../../shared/db/migrate.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { generateSigningKey, KeySet } from '../../shared/tokens/index.ts';
import { bundleEdge, repoRoot, startEdge, type EdgeRuntime } from '../../local/edge-runtime.ts';
import { freePort } from '../../local/ports.ts';
import { startPgBouncer } from '../../local/pgbouncer.ts';
import { startPostgresServer } from '../../local/postgres-server.ts';
import { startWsRelay } from '../../local/ws-relay.ts';
import { startS3Process } from '../s3-server-process.ts';
import { startDelayProxy, type DelayProxy } from './delay-proxy.ts';
import { startHttpDelayProxy, type HttpDelayProxy } from './http-delay-proxy.ts';
import { emptyPgCounts, pgCounter, type PgCounts } from './pg-counter.ts';

/** One-way delay between a Worker placed in the region and the relay or S3 (placed mode). */
export const IN_REGION_MS = 1;

/** The API Worker's side of the placed topology. */
export interface PlacedApi {
  worker: EdgeRuntime;
  /** The edge's `API` binding: D each way, one request per forwarded request. */
  apiLink: HttpDelayProxy;
  dbLink: DelayProxy;
  s3Link: HttpDelayProxy;
  pg: PgCounts;
}

export interface Topology {
  edgeUrl: string;
  edge: EdgeRuntime;
  /** Placed mode only: the API Worker and its in-region links. */
  placed?: PlacedApi;
  /** A handle on the benchmark database that bypasses the counted path (seeding). */
  db: DatabaseHandle;
  /** Direct (uncounted) S3 endpoint and credentials, for seeding objects. */
  s3Endpoint: string;
  keys: KeySet;
  bindings: Record<string, string>;
  dbLink: DelayProxy;
  s3Link: HttpDelayProxy;
  pg: PgCounts;
  setDelay(ms: number): void;
  /** Zeroes every counter. */
  reset(): void;
  close(): Promise<void>;
}

export async function startTopology(opts: {
  handshakeRtts: number;
  relayLogin?: boolean;
  pooler?: boolean;
  /** Option (a): the edge forwards database requests to a placed API Worker (above). */
  placed?: boolean;
}): Promise<Topology> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-latency-'));
  const closers: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    const password = randomBytes(12).toString('base64url');
    const relayKey = randomBytes(32).toString('base64url');
    const pgServer = await startPostgresServer({ port: await freePort(), password });
    closers.push(() => pgServer.close());
    // PgBouncer in transaction mode with SCRAM in front of PostgreSQL, as RDS Proxy is in AWS (local/pgbouncer.ts).
    const pooler =
      opts.pooler === false ? null : await startPgBouncer({ target: pgServer, port: await freePort(), users: { postgres: password } });
    if (pooler) closers.push(() => pooler.close());
    const pg = emptyPgCounts();
    const pgTap = await startDelayProxy({ target: { host: '127.0.0.1', port: (pooler ?? pgServer).port }, inspect: pgCounter(pg) });
    closers.push(() => pgTap.close());
    // Option (c), the default: the relay logs in itself (infra/db-relay/pg-session.mts) for the
    // edge's role; `relayLogin: false` measures the driver doing SCRAM across the distance.
    const relayLogin = opts.relayLogin ?? true;
    const relay = await startWsRelay({
      port: 0,
      allow: [`127.0.0.1:${pgTap.port}`, `127.0.0.1:${pgServer.port}`],
      key: relayKey,
      ...(relayLogin ? { login: { user: 'postgres', password } } : {}),
    });
    closers.push(() => relay.close());
    const dbLink = await startDelayProxy({
      target: { host: '127.0.0.1', port: relay.port },
      handshakeRtts: opts.handshakeRtts,
    });
    closers.push(() => dbLink.close());
    const s3 = await startS3Process({
      directory: path.join(dir, 's3'),
      buckets: ['raw', 'derivatives'],
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    closers.push(() => s3.close());
    const s3Link = await startHttpDelayProxy({ target: s3.endpoint, handshakeRtts: opts.handshakeRtts });
    closers.push(() => s3Link.close());

    // A database of its own, migrated over the relay straight to PostgreSQL (not counted).
    const conn = { wsProxy: relay.proxy, secure: false, webSocketConstructor: ws, relayKey };
    const admin = openNeonDatabase({ url: pgServer.url, ...conn, max: 1 });
    await admin.db.execute(sql.raw('create database bench'));
    await admin.close();
    const directUrl = pgServer.url.replace(/\/postgres$/, '/bench');
    const db = openNeonDatabase({ url: directUrl, ...conn, max: 2 });
    closers.push(() => db.close());
    await applyMigrations(db.db, 'neon');

    const counted = directUrl.replace(`:${pgServer.port}/`, `:${pgTap.port}/`);
    // With the relay logging in, the Worker holds no database password.
    const workerDbUrl = relayLogin ? counted.replace(`:${password}@`, ':unused@') : counted;
    const key = await generateSigningKey();
    const keys = await KeySet.fromJwks(key);
    const bindings: Record<string, string> = {
      APP_ENV: 'local',
      S3_ENDPOINT: s3Link.endpoint,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_BUCKET_RAW: 'raw',
      S3_BUCKET_DERIVATIVES: 'derivatives',
      S3_FORCE_PATH_STYLE: 'true',
      DATABASE_URL: workerDbUrl,
      DATABASE_RELAY_LOGIN: relayLogin ? 'true' : 'false',
      DATABASE_WS_PROXY: `127.0.0.1:${dbLink.port}/v1`,
      DATABASE_WS_SECURE: 'false',
      DATABASE_RELAY_KEY: relayKey,
      AUTH_SIGNING_KEYS: JSON.stringify({ active: key.kid, keys: [key] }),
      AUTH_ISSUER: 'http://bench.test',
      AUTH_AUDIENCE: 'media-platform',
    };
    // One bundle folder per checkout, rebuilt when an edge source is newer (bundleEdge checks).
    const buildDir = path.join(os.tmpdir(), 'bench-latency-edge', createHash('sha1').update(repoRoot).digest('hex').slice(0, 12));
    const scriptPath = await bundleEdge(buildDir);
    let placed: PlacedApi | undefined;
    if (opts.placed) {
      // The API Worker's own path to the database: relay, counter, pooler, as the edge's but in-region.
      const pgNear = emptyPgCounts();
      const pgTapNear = await startDelayProxy({
        target: { host: '127.0.0.1', port: (pooler ?? pgServer).port },
        inspect: pgCounter(pgNear),
      });
      closers.push(() => pgTapNear.close());
      const relayNear = await startWsRelay({
        port: 0,
        allow: [`127.0.0.1:${pgTapNear.port}`],
        key: relayKey,
        ...(relayLogin ? { login: { user: 'postgres', password } } : {}),
      });
      closers.push(() => relayNear.close());
      const dbLinkNear = await startDelayProxy({ target: { host: '127.0.0.1', port: relayNear.port }, handshakeRtts: opts.handshakeRtts });
      closers.push(() => dbLinkNear.close());
      const s3LinkNear = await startHttpDelayProxy({ target: s3.endpoint, handshakeRtts: opts.handshakeRtts });
      closers.push(() => s3LinkNear.close());
      const worker = await startEdge({
        scriptPath,
        port: 0,
        role: 'api',
        bindings: {
          ...bindings,
          DATABASE_URL: workerDbUrl.replace(`:${pgTap.port}/`, `:${pgTapNear.port}/`),
          DATABASE_WS_PROXY: `127.0.0.1:${dbLinkNear.port}/v1`,
          S3_ENDPOINT: s3LinkNear.endpoint,
        },
      });
      closers.push(() => worker.close());
      // Cloudflare keeps the connection to a placed Worker warm on its backbone: no handshakes (an assumption, docs/architecture.md).
      const apiLink = await startHttpDelayProxy({ target: worker.url, handshakeRtts: 0 });
      closers.push(() => apiLink.close());
      placed = { worker, apiLink, dbLink: dbLinkNear, s3Link: s3LinkNear, pg: pgNear };
    }
    const apiAddress = placed ? new URL(placed.apiLink.endpoint).host : undefined;
    const edge = await startEdge({ scriptPath, port: 0, bindings, ...(apiAddress ? { api: { address: apiAddress } } : {}) });
    closers.push(() => edge.close());
    return {
      edgeUrl: edge.url,
      edge,
      ...(placed ? { placed } : {}),
      db,
      s3Endpoint: s3.endpoint,
      keys,
      bindings,
      dbLink,
      s3Link,
      pg,
      setDelay(ms) {
        dbLink.setDelay(ms);
        s3Link.setDelay(ms);
        if (placed) {
          placed.apiLink.setDelay(ms);
          const near = ms > 0 ? IN_REGION_MS : 0;
          placed.dbLink.setDelay(near);
          placed.s3Link.setDelay(near);
        }
      },
      reset() {
        dbLink.reset();
        s3Link.reset();
        Object.assign(pg, emptyPgCounts());
        if (placed) {
          placed.apiLink.reset();
          placed.dbLink.reset();
          placed.s3Link.reset();
          Object.assign(placed.pg, emptyPgCounts());
        }
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
