/**
 * Round trips from the edge to the origin, route by route (issue #19).
 * The edge (the deployed bundle in workerd) reaches Debian PostgreSQL (SCRAM)
 * through the WebSocket relay and the S3 server through proxies that add D ms
 * each way and count (./latency/topology.ts). For each route, requests are
 * made one at a time from a client next to the edge; the table shows per
 * request the WebSockets opened, the Postgres logins' SASL steps, query
 * cycles (Query/Sync), S3 requests, the best time of the repeats at D=0 and
 * at D, the round trips the counts add up to, and those the time implies:
 * (t(D) - t(0)) / 2D.
 *
 * Also the Worker's CPU per request (workerd's CPU time over `cpuRuns`
 * requests at D=0; login includes its password hash).
 *
 * `placed` (issue #19 option (a), the production shape): the edge forwards
 * what needs the database over its `API` service binding to an API Worker
 * placed in the region — one crossing of D each way, no handshakes (a warm
 * backbone connection: an assumption, docs/architecture.md) — whose relay
 * and S3 links are IN_REGION_MS each way. The table then also counts the
 * binding's requests and the in-region round trips.
 *
 *   node --import tsx bench/round-trips.ts [D=40] [repeats=7] [handshakeRtts=2] [cpuRuns=20] [client-scram|placed]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { call, seedWorld, type World } from './latency/fixtures.ts';
import { IN_REGION_MS, startTopology, type Topology } from './latency/topology.ts';

const D = Number(process.argv[2] ?? 40);
const repeats = Number(process.argv[3] ?? 7);
const handshakeRtts = Number(process.argv[4] ?? 2);
const cpuRuns = Number(process.argv[5] ?? 20);
/** Default: option (c), the relay logs in and the driver pipelines start-up; `client-scram`: the driver logs in across the distance (before). */
const relayLogin = process.argv[6] !== 'client-scram';
/** `placed`: the edge Worker + an API Worker placed in the region behind the `API` service binding (option (a)). */
const placed = process.argv[6] === 'placed';

interface Route {
  name: string;
  /** Makes one request; returns its status. */
  run(): Promise<number>;
  expect: number;
}

// The best of the repeats: on a shared machine, other work only ever adds time.
const best = (xs: number[]) => Math.min(...xs);
const settle = () => new Promise((r) => setTimeout(r, 50));

function routes(t: Topology, w: World, state: { cookie: string; mediaPath: string }): Route[] {
  const u = t.edgeUrl;
  const get = (path: string, token?: string) => async () => (await call(u, 'GET', path, { token })).res.status;
  return [
    { name: 'GET /api/me', run: get('/api/me', w.owner.token), expect: 200 },
    { name: 'GET /api/assets', run: get('/api/assets', w.owner.token), expect: 200 },
    { name: 'GET /api/search?q=holiday', run: get('/api/search?q=holiday', w.owner.token), expect: 200 },
    { name: 'GET /api/assets/:id (owner)', run: get(`/api/assets/${w.assetId}`, w.owner.token), expect: 200 },
    { name: 'GET /api/assets/:id (viewer, grant)', run: get(`/api/assets/${w.assetId}`, w.viewer.token), expect: 200 },
    {
      name: 'POST /api/uploads',
      run: async () =>
        (
          await call(u, 'POST', '/api/uploads', {
            token: w.owner.token,
            json: { filename: 'new.jpg', size: 1234, contentType: 'image/jpeg' },
          })
        ).res.status,
      expect: 201,
    },
    { name: 'GET /m/:id/w320.webp (public)', run: get(`/m/${w.publicId}/w320.webp`), expect: 200 },
    {
      // A conditional request skips the Workers cache (edge-cache.ts), so it costs what a miss costs:
      // the access decision and the read. An ETag that never matches makes the answer a full 200.
      name: 'GET /m/:id/w320.webp (public, cache miss)',
      run: async () => (await call(u, 'GET', `/m/${w.publicId}/w320.webp`, { headers: { 'if-none-match': '"not-this-one"' } })).res.status,
      expect: 200,
    },
    { name: 'GET /s/:token/w320.webp', run: get(`/s/${w.shareToken}/w320.webp`), expect: 200 },
    {
      name: 'POST /api/auth/login',
      run: async () =>
        (await call(u, 'POST', '/api/auth/login', { json: { email: w.owner.email, password: w.owner.password } })).res.status,
      expect: 200,
    },
    {
      name: 'POST /api/auth/refresh',
      run: async () => {
        const { res } = await call(u, 'POST', '/api/auth/refresh', { cookie: state.cookie });
        const next = /__Host-refresh=[^;]+/.exec(res.headers.get('set-cookie') ?? '');
        if (next) state.cookie = next[0];
        return res.status;
      },
      expect: 200,
    },
    { name: 'GET /m/:id/w320.webp?t= (signed)', run: get(state.mediaPath), expect: 200 },
  ];
}

interface Row {
  name: string;
  ws: number;
  auth: number;
  queries: number;
  s3: number;
  s3Conns: number;
  /** Requests over the edge's `API` binding (placed mode). */
  api: number;
  /** The API Worker's own counts, in-region (placed mode). */
  near: { ws: number; auth: number; queries: number; s3: number; s3Conns: number };
  /** workerd CPU ms per request at D=0. */
  cpu: number;
  ms: Record<number, number>;
}

/** One request at `delay`; its time, after checking its status. */
async function timed(t: Topology, route: Route, delay: number): Promise<number> {
  t.setDelay(delay);
  t.reset();
  const s = performance.now();
  const status = await route.run();
  const ms = performance.now() - s;
  if (status !== route.expect) throw new Error(`${route.name}: ${status}, expected ${route.expect}`);
  await settle();
  return ms;
}

/**
 * Alternates D=0 and D requests, so both see the same machine (a shared,
 * loaded one): the best of each is the estimate. Counts come from a D=0
 * request (they are the same on every repeat).
 */
async function measure(t: Topology, route: Route, row: Row): Promise<void> {
  await timed(t, route, 0); // warm: isolate, connections the runtime keeps
  const times: Record<number, number[]> = { 0: [], [D]: [] };
  for (let i = 0; i < repeats; i++) {
    times[D]!.push(await timed(t, route, D));
    times[0]!.push(await timed(t, route, 0));
  }
  row.ws = t.dbLink.connections;
  row.auth = t.pg.authSteps;
  row.queries = t.pg.simpleQueries + t.pg.syncs;
  row.s3 = t.s3Link.requests;
  row.s3Conns = t.s3Link.connections;
  if (t.placed) {
    row.api = t.placed.apiLink.requests;
    row.near = {
      ws: t.placed.dbLink.connections,
      auth: t.placed.pg.authSteps,
      queries: t.placed.pg.simpleQueries + t.placed.pg.syncs,
      s3: t.placed.s3Link.requests,
      s3Conns: t.placed.s3Link.connections,
    };
  }
  row.ms[0] = best(times[0]!);
  row.ms[D] = best(times[D]!);
}

/** The workerd processes under this one (Miniflare's runtime). */
function workerdPids(): string[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-f', 'workerd'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** CPU seconds (user + system) used so far by `pids`. */
function cpuSeconds(pids: string[]): number {
  let total = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    total += (f[11]! + f[12]!) / 100; // utime + stime, USER_HZ 100
  }
  return total;
}

/** The Worker's CPU per request: `n` requests back to back at D=0, workerd's CPU time divided by n. */
async function cpuPerRequest(t: Topology, route: Route, n: number): Promise<number> {
  t.setDelay(0);
  const pids = workerdPids();
  const before = cpuSeconds(pids);
  for (let i = 0; i < n; i++) await route.run();
  await settle();
  return ((cpuSeconds(pids) - before) * 1000) / n;
}

const t = await startTopology({ handshakeRtts, relayLogin, placed });
try {
  const w = await seedWorld(t);
  const login = await call(t.edgeUrl, 'POST', '/api/auth/login', { json: { email: w.owner.email, password: w.owner.password } });
  const cookie = /__Host-refresh=[^;]+/.exec(login.res.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const detail = JSON.parse(
    new TextDecoder().decode((await call(t.edgeUrl, 'GET', `/api/assets/${w.assetId}`, { token: w.owner.token })).body),
  );
  const signed = (detail.media as { variant: string; url: string }[]).find((m) => m.variant === 'w320.webp');
  if (!signed) throw new Error(`no signed w320.webp in ${JSON.stringify(detail.media)}`);
  const state = { cookie, mediaPath: new URL(signed.url, t.edgeUrl).pathname + new URL(signed.url, t.edgeUrl).search };
  const rows: Row[] = [];
  for (const route of routes(t, w, state)) {
    const row: Row = {
      name: route.name,
      ws: 0,
      auth: 0,
      queries: 0,
      s3: 0,
      s3Conns: 0,
      api: 0,
      near: { ws: 0, auth: 0, queries: 0, s3: 0, s3Conns: 0 },
      cpu: 0,
      ms: {},
    };
    await measure(t, route, row);
    row.cpu = await cpuPerRequest(t, route, cpuRuns);
    rows.push(row);
    console.error(`measured ${route.name}`);
  }
  const mode = placed
    ? `placed: edge -> API Worker over the service binding (D each way, warm), the API Worker's relay and S3 at ${IN_REGION_MS} ms each way; relay logs in`
    : relayLogin
      ? 'edge alone; relay logs in (option c; its SASL steps are in-region)'
      : 'edge alone; the driver does SCRAM across the distance';
  console.log(
    `\nRound trips edge -> region, D=${D} ms each way (RTT ${2 * D} ms), ${handshakeRtts} handshake RTTs per new connection, best of ${repeats}; ${mode}\n`,
  );
  console.log(
    `| route | via API binding | WebSockets (edge + API Worker) | SASL steps | query cycles | S3 requests (new conns) | Worker CPU ms | ms at D=0 | ms at D=${D} | crossings of D counted | in-region round trips | round trips timed ((t${D}-t0)/${2 * D}) |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const trips = (r.ms[D]! - r.ms[0]!) / (2 * D);
    // Each WebSocket: the handshakes, the upgrade, the StartupMessage and each SASL step wait for
    // the far side; then each query cycle and each S3 request (a new S3 connection adds its handshakes).
    // With the relay logging in, the start-up travels with the first query and the SASL steps stay in-region.
    const cost = (c: { ws: number; queries: number; s3: number; s3Conns: number }, auth: number) =>
      relayLogin
        ? c.ws * (handshakeRtts + 1) + c.queries + c.s3 + c.s3Conns * handshakeRtts
        : c.ws * (handshakeRtts + 2) + auth + c.queries + c.s3 + c.s3Conns * handshakeRtts;
    // Placed: each request over the binding is one crossing; the API Worker's own round trips are in-region.
    const counted = r.api + cost(r, r.auth);
    const near = cost(r.near, 0);
    console.log(
      `| ${r.name} | ${r.api} | ${r.ws} + ${r.near.ws} | ${r.auth} + ${r.near.auth} | ${r.queries} + ${r.near.queries} | ${r.s3} + ${r.near.s3} (${r.s3Conns} + ${r.near.s3Conns}) | ${r.cpu.toFixed(0)} | ${r.ms[0]!.toFixed(0)} | ${r.ms[D]!.toFixed(0)} | ${counted} | ${near} | ${trips.toFixed(1)} |`,
    );
  }
} finally {
  await t.close();
}
