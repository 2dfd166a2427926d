/**
 * Media delivery through the edge, in one run against the local stack
 * (workerd via Miniflare, s3rver, PGlite):
 *
 *  1. Streaming: one large object read (a) straight from the storage server
 *     with a presigned GET and (b) through the edge at /m/... with a media
 *     token; MB/s of each, the ratio b/a, and workerd's RSS before and after.
 *  2. Request rate: a small derivative fetched many times at fixed
 *     concurrency (a) public (one database read to learn it is public) and
 *     (b) with a signed media URL token (crypto only), with p50/p99.
 *  3. The token check alone: verifyMediaToken p50/p99 in this process.
 *
 *   node --import tsx bench/edge-delivery.ts [sizeMiB=512] [requests=2000] [concurrency=16]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { devConfigSchema, parseConfig } from '../shared/config.ts';
import { assets, users } from '../shared/db/schema.ts';
import { derivativeKey } from '../shared/storage/keys.ts';
import { S3Client } from '../shared/storage/s3-client.ts';
import { KeySet, signMediaToken, verifyMediaToken } from '../shared/tokens/index.ts';
import { startLocalStack } from '../origin/local/stack.ts';

const sizeMiB = Number(process.argv[2] ?? 512);
const requests = Number(process.argv[3] ?? 2000);
const concurrency = Number(process.argv[4] ?? 16);
const size = sizeMiB * 1024 * 1024;

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-edge-'));
const config = parseConfig(devConfigSchema, { DATA_DIR: dataDir, EDGE_PORT: '0', S3_PORT: '0', PG_PORT: '0', PG_WS_PORT: '0' });
const stack = await startLocalStack(config);

/** RSS in MiB of the workerd processes under this process. */
function workerdRssMiB(): number {
  let pids: string[];
  try {
    pids = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'workerd'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
  let kb = 0;
  for (const pid of pids) {
    try {
      const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
      kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return kb / 1024;
}

async function drain(res: Response): Promise<number> {
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) n += chunk.byteLength;
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
  const b = stack.bindings;
  const storage = new S3Client({ endpoint: b.S3_ENDPOINT!, region: 'us-east-1', accessKeyId: b.S3_ACCESS_KEY_ID!, secretAccessKey: b.S3_SECRET_ACCESS_KEY! });
  const db = stack.postgres.handle.db;
  const [u] = await db.insert(users).values({ email: `bench-${Date.now()}@example.test`, name: 'bench', passwordHash: 'x' }).returning();
  const [big] = await db.insert(assets).values({ ownerId: u!.id, filename: 'big.mp4', declaredType: 'video/mp4', size, status: 'ready' }).returning();
  const [pub] = await db.insert(assets).values({ ownerId: u!.id, filename: 'p.webp', declaredType: 'image/webp', size: 1, status: 'ready', visibility: 'public' }).returning();

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
  await storage.put(b.S3_BUCKET_DERIVATIVES!, derivativeKey(big!.id, 'preview.mp4'), body, { contentType: 'video/mp4', contentLength: size });
  const small = new Uint8Array(16 * 1024);
  for (const id of [big!.id, pub!.id]) {
    await storage.put(b.S3_BUCKET_DERIVATIVES!, derivativeKey(id, 'w320.webp'), small, { contentType: 'image/webp' });
  }

  const raw = JSON.parse(await readFile(path.join(dataDir, 'secrets', 'auth-keys.json'), 'utf8')) as { active: string; keys: Record<string, unknown>[] };
  const keys = await KeySet.fromJwks(raw.keys.find((k) => k.kid === raw.active)!);
  const party = { issuer: b.AUTH_ISSUER!, audience: b.AUTH_AUDIENCE! };
  const token = await signMediaToken(keys, { ...party, assetId: big!.id, ttlSeconds: 3600 });

  // 1. Streaming, alternating so both see the same machine state.
  const direct = await storage.presignGet(b.S3_BUCKET_DERIVATIVES!, derivativeKey(big!.id, "preview.mp4"), { expiresIn: 3600 });
  const viaEdge = `${stack.edge.url}/m/${big!.id}/preview.mp4?t=${token}`;
  const rssBefore = workerdRssMiB();
  let rssPeak = rssBefore;
  const times = { direct: [] as number[], edge: [] as number[] };
  for (let round = 0; round < 3; round++) {
    for (const [name, url] of [['direct', direct], ['edge', viaEdge]] as const) {
      const t = performance.now();
      const poll = setInterval(() => (rssPeak = Math.max(rssPeak, workerdRssMiB())), 250);
      const n = await drain(await fetch(url));
      clearInterval(poll);
      if (n !== size) throw new Error(`${name}: got ${n} of ${size} bytes`);
      times[name].push(performance.now() - t);
    }
  }
  const rssAfter = workerdRssMiB();
  const best = (xs: number[]) => Math.min(...xs);
  const mbps = (ms: number) => size / 1e6 / (ms / 1000);
  console.log(`stream ${sizeMiB} MiB: direct ${mbps(best(times.direct)).toFixed(0)} MB/s, edge ${mbps(best(times.edge)).toFixed(0)} MB/s, ratio ${(best(times.direct) / best(times.edge)).toFixed(2)}x (best of 3 each)`);
  console.log(`workerd RSS: before ${rssBefore.toFixed(0)} MiB, peak during ${rssPeak.toFixed(0)} MiB, after ${rssAfter.toFixed(0)} MiB`);

  // 2. Request rate on a 16 KiB derivative.
  const smallToken = await signMediaToken(keys, { ...party, assetId: big!.id, scope: 'w320.webp', ttlSeconds: 3600 });
  await load(`${stack.edge.url}/m/${pub!.id}/w320.webp`); // warm-up
  const pubRun = await load(`${stack.edge.url}/m/${pub!.id}/w320.webp`);
  const tokRun = await load(`${stack.edge.url}/m/${big!.id}/w320.webp?t=${smallToken}`);
  const fmt = (r: { rps: number; p50: number; p99: number }) => `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`;
  console.log(`small GETs x${requests} at ${concurrency} concurrent: public ${fmt(pubRun)}; token ${fmt(tokRun)}; token/public rps ${(tokRun.rps / pubRun.rps).toFixed(2)}x`);

  // 3. The token check alone.
  const lat: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const s = performance.now();
    await verifyMediaToken(keys, smallToken, { ...party, assetId: big!.id, variant: 'w320.webp' });
    lat.push(performance.now() - s);
  }
  console.log(`verifyMediaToken (Node, EdDSA) x5000: p50 ${pct(lat, 50).toFixed(3)} ms, p99 ${pct(lat, 99).toFixed(3)} ms`);
} finally {
  await stack.close();
  await rm(dataDir, { recursive: true, force: true });
}
