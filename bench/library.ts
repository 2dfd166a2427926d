/**
 * Library list and search latency with 100k assets over 50 users
 * (bench/library-seed.ts: grants of every kind, groups, orgs, collections,
 * public and trashed assets), at 50 concurrent clients, each signed in as its
 * own user (Bearer tokens signed with the stack's key from
 * DATA_DIR/secrets/auth-keys.json) and coming from its own address.
 *
 * Two databases behind the same edge bundle (workerd via Miniflare):
 *  - `pglite`: the local stack exactly as `npm run dev` runs it
 *    (startLocalStack: PGlite in this process, its wire server
 *    local/pglite-wire-server.ts, ws relay);
 *  - `postgres`: Debian's PostgreSQL behind PgBouncer (transaction mode,
 *    SCRAM: RDS Proxy's stand-in) and the relay, which logs in for the edge
 *    as in AWS, with `jit = off` for the database (see the EXPLAIN of
 *    "sunset" with JIT on, printed first).
 * For each, in order:
 *  1. EXPLAIN (ANALYZE, BUFFERS) of the list and search queries the routes
 *     run, built by the same functions (second run: warm caches);
 *  2. the SQL alone: the same queries at 50 concurrent clients over a pool of
 *     persistent connections (no edge, no per-request connection);
 *  3. through the edge: each scenario at 1 client (unloaded latency) and at
 *     50 concurrent clients, p50/p95/p99, req/s and any non-200 answers.
 *
 *   node --import tsx bench/library.ts [assets=100000] [requests=1000] [concurrency=50] [db=both|pglite|postgres]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import ws from 'ws';
import { listAssetsQuery } from '../edge/library/asset-list.ts';
import { searchAssetsQuery } from '../edge/library/search.service.ts';
import { startEdge } from '../local/edge-runtime.ts';
import { freePort } from '../local/ports.ts';
import { startPgBouncer } from '../local/pgbouncer.ts';
import { startPostgresServer } from '../local/postgres-server.ts';
import { startLocalStack } from '../local/stack.ts';
import { startWsRelay } from '../local/ws-relay.ts';
import { devConfigSchema, parseConfig } from '../shared/config.ts';
import type { Database } from '../shared/db/database.ts';
import { applyMigrations } from '../shared/db/migrate.ts';
import { openNeonDatabase } from '../shared/db/neon.ts';
import { KeySet, signAccessToken } from '../shared/tokens/index.ts';
import { ownFileOf, seedLibrary } from './library-seed.ts';

const assetCount = Number(process.argv[2] ?? 100_000);
const requests = Number(process.argv[3] ?? 1000);
const concurrency = Number(process.argv[4] ?? 50);
const which = process.argv[5] ?? 'both';
const USERS = 50;
const log = (s: string) => console.log(s);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

interface Stats {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  errors: string;
  items: number;
}

/** `n` calls of `call(client)` from `clients` concurrent loops; latency per call. */
async function run(n: number, clients: number, call: (client: number) => Promise<{ status: number; items: number }>): Promise<Stats> {
  const lat: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  let items = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (next++ < n) {
        const start = performance.now();
        const r = await call(client);
        lat.push(performance.now() - start);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        items += r.items;
      }
    }),
  );
  const ok = statuses.get(200) ?? 0;
  return {
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    p99: pct(lat, 99),
    rps: n / ((performance.now() - t0) / 1000),
    errors:
      [...statuses]
        .filter(([st]) => st !== 200)
        .map(([st, c]) => `${c}x${st}`)
        .join(' ') || 'none',
    items: ok ? items / ok : 0,
  };
}

interface Scenario {
  name: string;
  path: (user: number) => string;
}

const SCENARIOS: Scenario[] = [
  { name: 'baseline: GET /api/collections?limit=1 (one small query)', path: () => '/api/collections?limit=1' },
  { name: 'list mine (first page of 50)', path: () => '/api/assets?limit=50' },
  { name: 'list all = mine + shared', path: () => '/api/assets?scope=all&limit=50' },
  { name: 'list shared only', path: () => '/api/assets?scope=shared&limit=50' },
  { name: 'list mine, type=video', path: () => '/api/assets?type=video&limit=50' },
  { name: 'search common word "sunset" (36% of assets)', path: () => '/api/search?q=sunset&limit=50' },
  { name: 'search "running" (stems to run)', path: () => '/api/search?q=running&limit=50' },
  { name: 'search rare word "aqueduct" (2%)', path: () => '/api/search?q=aqueduct&limit=50' },
  { name: 'search one of my file names', path: (u) => `/api/search?q=${ownFileOf(u, USERS)}&limit=50` },
  { name: 'search "beach sunset"', path: () => '/api/search?q=beach%20sunset&limit=50' },
];

function edgeCall(base: string, tokens: string[], s: Scenario) {
  return async (client: number) => {
    const user = client % tokens.length;
    // Each client has its own address, as real clients do (the per-client rate limit keys on it).
    const headers = { authorization: `Bearer ${tokens[user]}`, 'cf-connecting-ip': `10.1.0.${client}` };
    // A keep-alive connection the server closed as a request went out: counted (status 0), not fatal.
    const res = await fetch(`${base}${s.path(user)}`, { headers }).catch(() => null);
    if (!res) return { status: 0, items: 0 };
    const body = await res.text();
    return { status: res.status, items: res.status === 200 ? (JSON.parse(body) as { items: unknown[] }).items.length : 0 };
  };
}

/** The plan of the second run (the first warms the caches after seeding). */
async function explain(db: Database, label: string, query: { getSQL(): unknown }) {
  await db.execute(sql`explain (analyze) ${query as never}`);
  const result = (await db.execute(sql`explain (analyze, buffers) ${query as never}`)) as unknown as { rows: Record<string, string>[] };
  log(`\n--- EXPLAIN ANALYZE: ${label}`);
  for (const row of result.rows) log(`  ${Object.values(row)[0]}`);
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const ms = (x: number) => x.toFixed(1);

async function runTarget(target: {
  name: string;
  edgeUrl: string;
  db: Database;
  /** A pool for the SQL-only load (persistent connections). */
  sqlDb: Database;
  sqlClients: number;
  before?: (db: Database, userId: string) => Promise<void>;
  party: { issuer: string; audience: string };
  keys: KeySet;
}): Promise<{ edge: string[]; sql: string[] }> {
  const { name, db } = target;
  log(`\n===== ${name}: seeding ${assetCount} assets over ${USERS} users`);
  const seeded = await seedLibrary(db, { users: USERS, assets: assetCount, log });
  const users = seeded.userIds;
  await target.before?.(db, users[0]!);
  const now = new Date();
  const list = (userId: string, scope: 'mine' | 'all' | 'shared') => listAssetsQuery(target.sqlDb, { userId, now, limit: 50, scope });
  const search = (userId: string, q: string) => searchAssetsQuery(target.sqlDb, { userId, now, q, limit: 50 });
  const u0 = users[0]!;
  await explain(db, 'list mine', listAssetsQuery(db, { userId: u0, now, limit: 50, scope: 'mine' }));
  await explain(db, 'list all', listAssetsQuery(db, { userId: u0, now, limit: 50, scope: 'all' }));
  await explain(db, 'list shared', listAssetsQuery(db, { userId: u0, now, limit: 50, scope: 'shared' }));
  await explain(db, 'search "sunset"', searchAssetsQuery(db, { userId: u0, now, q: 'sunset', limit: 50 }));
  await explain(db, 'search "aqueduct"', searchAssetsQuery(db, { userId: u0, now, q: 'aqueduct', limit: 50 }));

  const sqlRows: string[] = [];
  const sqlRps = new Map<string, number>();
  const edgeRps = new Map<string, number>();
  const sqlScenarios: [string, (u: string) => { execute(): Promise<unknown[]> }][] = [
    ['list mine', (u) => list(u, 'mine')],
    ['list all', (u) => list(u, 'all')],
    ['list shared', (u) => list(u, 'shared')],
    ['search "sunset"', (u) => search(u, 'sunset')],
    ['search "aqueduct"', (u) => search(u, 'aqueduct')],
  ];
  for (const [label, query] of sqlScenarios) {
    const call = async (client: number) => ({ status: 200, items: (await query(users[client % users.length]!).execute()).length });
    await run(Math.min(100, requests), target.sqlClients, call);
    const r = await run(requests, target.sqlClients, call);
    sqlRps.set(label, r.rps);
    const line = row([name, `SQL only: ${label}`, target.sqlClients, ms(r.p50), ms(r.p95), ms(r.p99), r.rps.toFixed(0)]);
    sqlRows.push(line);
    log(line);
  }

  const tokens = await Promise.all(
    users.map(
      async (sub) => (await signAccessToken(target.keys, { ...target.party, sub, sid: crypto.randomUUID(), ttlSeconds: 3600 })).token,
    ),
  );
  const edgeRows: string[] = [];
  for (const s of SCENARIOS) {
    const call = edgeCall(target.edgeUrl, tokens, s);
    await run(Math.min(100, requests), concurrency, call); // warm-up
    const alone = await run(50, 1, call);
    const r = await run(requests, concurrency, call);
    edgeRps.set(s.name, r.rps);
    const line = row([name, s.name, ms(alone.p50), ms(r.p50), ms(r.p95), ms(r.p99), r.rps.toFixed(0), r.items.toFixed(1), r.errors]);
    edgeRows.push(line);
    log(line);
  }
  // Edge throughput against the SQL alone for the same query (issue #19's goal: at least 0.5x).
  const pairs: [string, string][] = [
    ['list mine (first page of 50)', 'list mine'],
    ['list all = mine + shared', 'list all'],
    ['list shared only', 'list shared'],
    ['search common word "sunset" (36% of assets)', 'search "sunset"'],
    ['search rare word "aqueduct" (2%)', 'search "aqueduct"'],
  ];
  for (const [edgeName, sqlName] of pairs) {
    const e = edgeRps.get(edgeName);
    const q = sqlRps.get(sqlName);
    if (e && q) {
      const line = row([
        name,
        `ratio edge/SQL: ${sqlName}`,
        concurrency,
        '',
        '',
        '',
        `${(e / q).toFixed(2)}x (${e.toFixed(0)} / ${q.toFixed(0)})`,
      ]);
      sqlRows.push(line);
      log(line);
    }
  }
  return { edge: edgeRows, sql: sqlRows };
}

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-library-'));
const cleanups: (() => Promise<unknown>)[] = [];
let closing: Promise<void> | undefined;
const closeAll = () =>
  (closing ??= (async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch((e: unknown) => log(`cleanup: ${String(e)}`));
    await rm(dataDir, { recursive: true, force: true });
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void closeAll().finally(() => process.exit(130)));

try {
  const config = parseConfig(devConfigSchema, { DATA_DIR: dataDir, EDGE_PORT: '0', S3_PORT: '0', PG_PORT: '0', PG_WS_PORT: '0' });
  const stack = await startLocalStack(config);
  cleanups.push(() => stack.close());
  const raw = JSON.parse(await readFile(path.join(dataDir, 'secrets', 'auth-keys.json'), 'utf8')) as {
    active: string;
    keys: Record<string, unknown>[];
  };
  const keys = await KeySet.fromJwks(raw.keys.find((k) => k.kid === raw.active)!);
  const party = { issuer: stack.bindings.AUTH_ISSUER!, audience: stack.bindings.AUTH_AUDIENCE! };
  const edge: string[] = [];
  const sqlOnly: string[] = [];
  const add = (r: { edge: string[]; sql: string[] }) => (edge.push(...r.edge), sqlOnly.push(...r.sql));
  if (which === 'both' || which === 'pglite') {
    const db = stack.postgres.handle.db;
    // In process, as the stack's own handle: PGlite runs one query at a time, whatever the number of clients.
    add(await runTarget({ name: 'PGlite (local stack)', edgeUrl: stack.edge.url, db, sqlDb: db, sqlClients: concurrency, party, keys }));
  }
  if (which === 'both' || which === 'postgres') {
    // As in AWS: PgBouncer in transaction mode with SCRAM (RDS Proxy's stand-in) in front of
    // PostgreSQL, and the relay logging in itself for the edge (option (c) of issue #19).
    const password = randomBytes(12).toString('base64url');
    const pg = await startPostgresServer({ port: await freePort(), password });
    cleanups.push(() => pg.close());
    const pooler = await startPgBouncer({ target: pg, port: await freePort(), users: { postgres: password } });
    cleanups.push(() => pooler.close());
    const relay = await startWsRelay({
      port: 0,
      allow: [`127.0.0.1:${pg.port}`, `127.0.0.1:${pooler.port}`],
      login: { user: 'postgres', password },
    });
    cleanups.push(() => relay.close());
    const handle = openNeonDatabase({ url: pg.url, wsProxy: relay.proxy, secure: false, webSocketConstructor: ws, max: 2 });
    cleanups.push(() => handle.close());
    await applyMigrations(handle.db, 'neon');
    const pooled = pg.url.replace(`:${pg.port}/`, `:${pooler.port}/`);
    // The SQL alone: persistent connections through the same relay and pooler, no edge.
    const pool = openNeonDatabase({ url: pooled, wsProxy: relay.proxy, secure: false, webSocketConstructor: ws, max: concurrency });
    cleanups.push(() => pool.close());
    const edgeRt = await startEdge({
      scriptPath: path.join(dataDir, 'edge-build', 'index.js'),
      port: 0,
      bindings: { ...stack.bindings, DATABASE_URL: pooled.replace(`:${password}@`, ':unused@'), DATABASE_WS_PROXY: relay.proxy },
    });
    cleanups.push(() => edgeRt.close());
    add(
      await runTarget({
        name: 'PostgreSQL 15 (Debian)',
        edgeUrl: edgeRt.url,
        db: handle.db,
        sqlDb: pool.db,
        sqlClients: concurrency,
        party,
        keys,
        async before(db, userId) {
          // JIT compiles every plan whose estimated cost passes jit_above_cost; the grant subplans of
          // the access filter inflate the estimate of a broad search, so JIT fires on a 10 ms query.
          await db.transaction(async (tx) => {
            await tx.execute(sql`set local jit = on`);
            await explain(
              tx,
              'search "sunset" with jit = on (the server default)',
              searchAssetsQuery(tx, { userId, now: new Date(), q: 'sunset', limit: 50 }),
            );
          });
          await db.execute(sql`alter database postgres set jit = off`);
          await db.execute(sql`set jit = off`);
        },
      }),
    );
  }
  log(`\n${assetCount} assets, ${USERS} users, ${requests} requests per scenario (ms)\n`);
  log(`Through the edge: 1 client (p50), then ${concurrency} concurrent clients\n`);
  log(
    row([
      'database',
      'scenario',
      'p50 alone',
      `p50 @${concurrency}`,
      `p95 @${concurrency}`,
      `p99 @${concurrency}`,
      'req/s',
      'items/answer',
      'non-200',
    ]),
  );
  log(row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---']));
  for (const r of edge) log(r);
  log('\nThe SQL alone (same queries, persistent connections, no edge)\n');
  log(row(['database', 'query', 'clients', 'p50', 'p95', 'p99', 'queries/s']));
  log(row(['---', '---', '---:', '---:', '---:', '---:', '---:']));
  for (const r of sqlOnly) log(r);
} finally {
  await closeAll();
}
