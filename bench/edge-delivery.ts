/**
 * Media delivery through the edge, against the local stack's parts (workerd
 * via Miniflare, s3rver, PGlite):
 *
 *  1. Streaming: one large object read (a) straight from the storage server
 *     with a presigned GET and (b) through the edge at /m/... with a media
 *     token; MB/s of each, the ratio b/a, and workerd's RSS before and after.
 *  2. Request rate: a small derivative fetched many times at fixed
 *     concurrency (a) public (one database read to learn it is public) and
 *     (b) with a signed media URL token (crypto only), with p50/p99.
 *  3. The token check alone: verifyMediaToken p50/p99 in this process.
 *
 * Topology `split` (default): the S3 server runs in a Node process of its own
 * (bench/s3-server-process.ts), workerd in its own, and this process is only
 * the load client (plus PGlite, which only part 2's public path touches).
 * `one-process` is the old setup, the whole local stack (startLocalStack) in
 * this process: s3rver and the client then share one event loop, and the
 * edge path pays for it (docs/benchmarks.md, edge delivery).
 *
 * The large object is read by `curl` (a process of its own, cheap per byte)
 * or, with `fetch`, by Node's fetch in this process, which is itself the
 * bottleneck of every path. CPU seconds per GiB of each process on the path
 * are printed too: on a shared machine they vary far less than MB/s.
 *
 *   node --import tsx bench/edge-delivery.ts [sizeMiB=512] [requests=2000] [concurrency=16] [split|one-process] [curl|fetch]
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { devConfigSchema, parseConfig } from '../shared/config.ts';
import type { Database } from '../shared/db/database.ts';
import { assets, users } from '../shared/db/schema.ts';
import { derivativeKey } from '../shared/storage/keys.ts';
import { S3Client } from '../edge/storage/s3-client.ts';
import { KeySet, signMediaToken, verifyMediaToken } from '../shared/tokens/index.ts';
import { loadOrCreateDevKeys } from '../local/dev-keys.ts';
import { bundleEdge, startEdge } from '../local/edge-runtime.ts';
import { startEmbeddedPostgres } from '../local/embedded-postgres.ts';
import { startLocalStack } from '../local/stack.ts';
import { startS3Process } from './s3-server-process.ts';

const sizeMiB = Number(process.argv[2] ?? 512);
const requests = Number(process.argv[3] ?? 2000);
const concurrency = Number(process.argv[4] ?? 16);
const topology = process.argv[5] ?? 'split';
const client = process.argv[6] ?? 'curl';
if (client !== 'curl' && client !== 'fetch') throw new Error(`client: curl | fetch, got ${client}`);
if (topology !== 'split' && topology !== 'one-process') throw new Error(`topology: split | one-process, got ${topology}`);
const size = sizeMiB * 1024 * 1024;

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-edge-'));
const config = parseConfig(devConfigSchema, { DATA_DIR: dataDir, EDGE_PORT: '0', S3_PORT: '0', PG_PORT: '0', PG_WS_PORT: '0' });

interface Setup {
  edgeUrl: string;
  /** The S3 server's own process, when it has one. */
  s3Pid: number | null;
  bindings: Record<string, string>;
  db: Database;
  close(): Promise<void>;
}

async function startSplit(): Promise<Setup> {
  const [scriptPath, signingKeys, postgres, s3] = await Promise.all([
    bundleEdge(path.join(dataDir, 'edge-build')),
    loadOrCreateDevKeys(dataDir),
    startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: 0, wsPort: 0 }),
    startS3Process({
      directory: path.join(dataDir, 's3'),
      buckets: [config.S3_BUCKET_RAW, config.S3_BUCKET_DERIVATIVES],
      credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
    }),
  ]);
  console.log(`S3 server in its own process (pid ${s3.pid})`);
  // The bindings the local stack gives the edge (local/stack.ts).
  const bindings: Record<string, string> = {
    APP_ENV: 'local',
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
    CORS_ORIGINS: config.CORS_ORIGINS,
    AUTH_SIGNING_KEYS: signingKeys,
    AUTH_ISSUER: 'http://127.0.0.1:0',
    AUTH_AUDIENCE: 'media-platform',
  };
  const edge = await startEdge({ scriptPath, port: 0, bindings });
  return {
    edgeUrl: edge.url,
    s3Pid: s3.pid,
    bindings,
    db: postgres.handle.db,
    async close() {
      await edge.close();
      await postgres.close();
      await s3.close();
    },
  };
}

async function startOneProcess(): Promise<Setup> {
  const stack = await startLocalStack(config);
  return { edgeUrl: stack.edge.url, s3Pid: null, bindings: stack.bindings, db: stack.postgres.handle.db, close: () => stack.close() };
}

const setup = topology === 'split' ? await startSplit() : await startOneProcess();

/** The workerd processes under this process. */
function workerdPids(): string[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-f', 'workerd'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
/** The edge's workerd, taken before the bare comparison worker starts. */
const edgePids = workerdPids();

/** RSS in MiB of the edge's workerd processes. */
function workerdRssMiB(): number {
  let kb = 0;
  for (const pid of edgePids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return kb / 1024;
}

/**
 * A bare Worker in workerd under the same Miniflare settings whose whole code
 * is `return fetch(url)`: what the runtime itself costs on this path, so the
 * edge's own code can be told apart from it.
 */
const bare = new Miniflare({
  modules: true,
  script: `export default { fetch(req) { return fetch(new URL(req.url).searchParams.get('u')); } }`,
  compatibilityDate: '2026-05-01',
  host: '127.0.0.1',
  port: 0,
});
const bareUrl = (await bare.ready).origin;
const barePids = workerdPids().filter((p) => !edgePids.includes(p));

/**
 * CPU seconds (user + system) used so far by these processes; `self` is this
 * one plus its finished children (the curl clients).
 */
function cpuSeconds(pids: (string | 'self')[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .map(Number);
      // utime, stime (+ cutime, cstime for this process), in clock ticks (USER_HZ 100)
      total += (f[11]! + f[12]! + (pid === 'self' ? f[13]! + f[14]! : 0)) / 100;
    } catch {
      /* exited */
    }
  }
  return total;
}

/**
 * Reads a whole response and returns its byte count. `curl` (default): a
 * client process of its own that costs little per byte; `fetch`: Node's
 * fetch in this process, which itself needs ~17-22 CPU s per GiB on this
 * machine and so caps every path near 50-60 MB/s (docs/benchmarks.md).
 */
async function download(url: string, name: string): Promise<number> {
  if (client === 'fetch') return drain(await fetch(url), name);
  const out = await new Promise<string>((resolve, reject) =>
    execFile('curl', ['-sS', '--fail', '-o', '/dev/null', '-w', '%{size_download}', url], (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
  return Number(out);
}

/** Chunks the fetch client received per path (their size is what it pays for). */
const chunks: Record<string, number> = {};
async function drain(res: Response, name = ''): Promise<number> {
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    n += chunk.byteLength;
    chunks[name] = (chunks[name] ?? 0) + 1;
  }
  return n;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function load(url: string): Promise<{ rps: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < requests) {
        const s = performance.now();
        const res = await fetch(url);
        if (res.status !== 200) throw new Error(`${url} -> ${res.status}`);
        await res.arrayBuffer();
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { rps: requests / secs, p50: pct(lat, 50), p99: pct(lat, 99) };
}

try {
  const b = setup.bindings;
  const storage = new S3Client({
    endpoint: b.S3_ENDPOINT!,
    region: 'us-east-1',
    accessKeyId: b.S3_ACCESS_KEY_ID!,
    secretAccessKey: b.S3_SECRET_ACCESS_KEY!,
  });
  const db = setup.db;
  const [u] = await db
    .insert(users)
    .values({ email: `bench-${Date.now()}@example.test`, name: 'bench', passwordHash: 'x' })
    .returning();
  const [big] = await db
    .insert(assets)
    .values({ ownerId: u!.id, filename: 'big.mp4', declaredType: 'video/mp4', size, status: 'ready' })
    .returning();
  const [pub] = await db
    .insert(assets)
    .values({
      ownerId: u!.id,
      filename: 'p.webp',
      declaredType: 'image/webp',
      size: 1,
      status: 'ready',
      visibility: 'public',
      visibilitySetBy: u!.id,
    })
    .returning();

  // The large object, written as a stream of one reused chunk.
  const chunk = new Uint8Array(1 << 20);
  crypto.getRandomValues(chunk.subarray(0, 65536));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= size) return c.close();
      sent += chunk.byteLength;
      c.enqueue(chunk);
    },
  });
  await storage.put(b.S3_BUCKET_DERIVATIVES!, derivativeKey(big!.id, 'preview.mp4'), body, {
    contentType: 'video/mp4',
    contentLength: size,
  });
  const small = new Uint8Array(16 * 1024);
  for (const id of [big!.id, pub!.id]) {
    await storage.put(b.S3_BUCKET_DERIVATIVES!, derivativeKey(id, 'w320.webp'), small, { contentType: 'image/webp' });
  }

  console.log(`stored a ${sizeMiB} MiB object`);
  const raw = JSON.parse(await readFile(path.join(dataDir, 'secrets', 'auth-keys.json'), 'utf8')) as {
    active: string;
    keys: Record<string, unknown>[];
  };
  const keys = await KeySet.fromJwks(raw.keys.find((k) => k.kid === raw.active)!);
  const party = { issuer: b.AUTH_ISSUER!, audience: b.AUTH_AUDIENCE! };
  const token = await signMediaToken(keys, { ...party, assetId: big!.id, ttlSeconds: 3600 });

  // 1. Streaming, alternating so both see the same machine state.
  const direct = await storage.presignGet(b.S3_BUCKET_DERIVATIVES!, derivativeKey(big!.id, 'preview.mp4'), { expiresIn: 3600 });
  const viaEdge = `${setup.edgeUrl}/m/${big!.id}/preview.mp4?t=${token}`;
  const viaBare = `${bareUrl}/?u=${encodeURIComponent(direct)}`;
  const rssBefore = workerdRssMiB();
  let rssPeak = rssBefore;
  const times = { direct: [] as number[], edge: [] as number[], bare: [] as number[] };
  // CPU seconds per transfer of each process on the path: wall time on a
  // shared machine varies with the neighbours, CPU per byte much less.
  const parts = { client: ['self' as const], s3: setup.s3Pid ? [String(setup.s3Pid)] : [], edge: edgePids, bare: barePids };
  const cpu: Record<string, Record<string, number[]>> = { direct: {}, edge: {}, bare: {} };
  for (let round = 0; round < 3; round++) {
    for (const [name, url] of [
      ['direct', direct],
      ['edge', viaEdge],
      ['bare', viaBare],
    ] as const) {
      const before = Object.fromEntries(Object.entries(parts).map(([k, pids]) => [k, cpuSeconds(pids)]));
      const t = performance.now();
      const poll = setInterval(() => (rssPeak = Math.max(rssPeak, workerdRssMiB())), 250);
      const n = await download(url, name);
      clearInterval(poll);
      if (n !== size) throw new Error(`${name}: got ${n} of ${size} bytes`);
      times[name].push(performance.now() - t);
      for (const [k, pids] of Object.entries(parts)) (cpu[name]![k] ??= []).push(cpuSeconds(pids) - before[k]!);
    }
  }
  const perGiB = (xs: number[]) => (Math.min(...xs) / (size / 2 ** 30)).toFixed(2);
  for (const name of ['direct', 'edge', 'bare']) {
    const line = Object.entries(cpu[name]!).filter(([k, xs]) => parts[k as keyof typeof parts].length && xs.some((x) => x > 0));
    console.log(
      `CPU s per GiB, ${name}: ${line.map(([k, xs]) => `${k === 'client' ? (topology === 'one-process' ? `${client} client+s3rver` : `${client} client`) : k} ${perGiB(xs)}`).join(', ')}`,
    );
  }
  if (client === 'fetch') {
    console.log(
      `mean chunk the fetch client received: ${Object.entries(chunks)
        .map(([k, c]) => `${k} ${((3 * size) / c / 1024).toFixed(0)} KiB`)
        .join(', ')}`,
    );
  }
  const ms = (xs: number[]) => xs.map((x) => (size / 1e6 / (x / 1000)).toFixed(0)).join(' ');
  console.log(`all rounds MB/s: direct ${ms(times.direct)}; edge ${ms(times.edge)}; bare worker ${ms(times.bare)}`);
  const rssAfter = workerdRssMiB();
  const best = (xs: number[]) => Math.min(...xs);
  const mbps = (ms: number) => size / 1e6 / (ms / 1000);
  console.log(
    `stream ${sizeMiB} MiB: direct ${mbps(best(times.direct)).toFixed(0)} MB/s, edge ${mbps(best(times.edge)).toFixed(0)} MB/s, ratio ${(best(times.direct) / best(times.edge)).toFixed(2)}x; bare worker (\`return fetch(url)\`) ${mbps(best(times.bare)).toFixed(0)} MB/s, ${(best(times.direct) / best(times.bare)).toFixed(2)}x (best of 3 each; topology ${topology}, client ${client})`,
  );
  console.log(`workerd RSS: before ${rssBefore.toFixed(0)} MiB, peak during ${rssPeak.toFixed(0)} MiB, after ${rssAfter.toFixed(0)} MiB`);

  // 2. Request rate on a 16 KiB derivative.
  const smallToken = await signMediaToken(keys, { ...party, assetId: big!.id, scope: 'w320.webp', ttlSeconds: 3600 });
  await load(`${setup.edgeUrl}/m/${pub!.id}/w320.webp`); // warm-up
  const pubRun = await load(`${setup.edgeUrl}/m/${pub!.id}/w320.webp`);
  const tokRun = await load(`${setup.edgeUrl}/m/${big!.id}/w320.webp?t=${smallToken}`);
  const fmt = (r: { rps: number; p50: number; p99: number }) =>
    `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`;
  console.log(
    `small GETs x${requests} at ${concurrency} concurrent: public ${fmt(pubRun)}; token ${fmt(tokRun)}; token/public rps ${(tokRun.rps / pubRun.rps).toFixed(2)}x`,
  );

  // 3. The token check alone.
  const lat: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const s = performance.now();
    await verifyMediaToken(keys, smallToken, { ...party, assetId: big!.id, variant: 'w320.webp' });
    lat.push(performance.now() - s);
  }
  console.log(`verifyMediaToken (Node, EdDSA) x5000: p50 ${pct(lat, 50).toFixed(3)} ms, p99 ${pct(lat, 99).toFixed(3)} ms`);
} finally {
  await bare.dispose();
  await setup.close();
  await rm(dataDir, { recursive: true, force: true });
}
