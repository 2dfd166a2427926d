/**
 * ZIP downloads through the edge (workerd via Miniflare on the bundle, the S3
 * server in a process of its own, PGlite), against reading the same objects
 * straight from storage one after another:
 *
 *  1. A collection of `objects` originals totalling `totalMiB`: one curl
 *     reads them in sequence with presigned GETs (direct), one curl reads the
 *     collection's ZIP (`GET /api/collections/{id}/download.zip`). Best of 3
 *     each, alternating; ratio direct/edge time; time to first byte of the
 *     ZIP; workerd's peak RSS polled every 250 ms.
 *  2. With `bigGiB` > 0: a collection of one original of that size (zeros
 *     with a repeated random chunk: cheap to store, nothing to compress) and
 *     a small one after it, so the archive passes 4 GiB with a Zip64 entry
 *     and a Zip64 offset; the ZIP is written to a file and checked with
 *     `unzip -t`, Python's zipfile `testzip()` and `7z t`; peak RSS again.
 *
 *   node --import tsx bench/zip-downloads.ts [totalMiB=1024] [objects=200] [bigGiB=0]
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { devConfigSchema, parseConfig } from '../shared/config.ts';
import type { Database } from '../shared/db/database.ts';
import { assets, collectionItems, collections, users } from '../shared/db/schema.ts';
import { originalKey } from '../shared/storage/keys.ts';
import { S3Client } from '../edge/storage/s3-client.ts';
import { KeySet, signAccessToken } from '../shared/tokens/index.ts';
import { loadOrCreateDevKeys } from '../local/dev-keys.ts';
import { bundleEdge, startEdge } from '../local/edge-runtime.ts';
import { startEmbeddedPostgres } from '../local/embedded-postgres.ts';
import { startS3Process } from './s3-server-process.ts';

const totalMiB = Number(process.argv[2] ?? 1024);
const objects = Number(process.argv[3] ?? 200);
const bigGiB = Number(process.argv[4] ?? 0);
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-zip-'));
const config = parseConfig(devConfigSchema, { DATA_DIR: dataDir, EDGE_PORT: '0', S3_PORT: '0', PG_PORT: '0', PG_WS_PORT: '0' });

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
const workerdPids = (() => {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-f', 'workerd'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
})();
const rssMiB = () =>
  workerdPids.reduce((kb, pid) => {
    try {
      return kb + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return kb;
    }
  }, 0) / 1024;

const storage = new S3Client({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  accessKeyId: config.S3_ACCESS_KEY_ID,
  secretAccessKey: config.S3_SECRET_ACCESS_KEY,
});

/** A stream of `size` bytes: zeros with a 64 KiB random chunk at the start of every MiB. */
function synthetic(size: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(1 << 20);
  crypto.getRandomValues(chunk.subarray(0, 65536));
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= size) return c.close();
      const n = Math.min(chunk.byteLength, size - sent);
      sent += n;
      c.enqueue(n === chunk.byteLength ? chunk : chunk.subarray(0, n));
    },
  });
}

async function collectionOf(db: Database, owner: string, name: string, sizes: number[]): Promise<{ id: string; keys: string[] }> {
  const [col] = await db.insert(collections).values({ ownerId: owner, name }).returning();
  const keys: string[] = [];
  for (const [i, size] of sizes.entries()) {
    const [a] = await db
      .insert(assets)
      .values({ ownerId: owner, filename: `file-${i}.bin`, declaredType: 'application/octet-stream', size, status: 'ready' })
      .returning();
    await storage.put(config.S3_BUCKET_RAW, originalKey(a!.id), synthetic(size), { contentLength: size });
    await db.insert(collectionItems).values({ collectionId: col!.id, assetId: a!.id, position: i, addedBy: owner });
    keys.push(originalKey(a!.id));
  }
  return { id: col!.id, keys };
}

const curl = (args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile('curl', ['-sS', '--fail', ...args], { maxBuffer: 16 << 20 }, (e, out) => (e ? reject(e) : resolve(out))),
  );

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; peak: number; out: T }> {
  let peak = rssMiB();
  const poll = setInterval(() => (peak = Math.max(peak, rssMiB())), 250);
  const t = performance.now();
  try {
    const out = await fn();
    return { ms: performance.now() - t, peak, out };
  } finally {
    clearInterval(poll);
  }
}

try {
  const db = postgres.handle.db;
  const [u] = await db
    .insert(users)
    .values({ email: `zip-bench-${Date.now()}@example.test`, name: 'bench', passwordHash: 'x' })
    .returning();
  const raw = JSON.parse(await readFile(path.join(dataDir, 'secrets', 'auth-keys.json'), 'utf8')) as {
    active: string;
    keys: Record<string, unknown>[];
  };
  const keys = await KeySet.fromJwks(raw.keys.find((k) => k.kid === raw.active)!);
  const { token } = await signAccessToken(keys, {
    issuer: bindings.AUTH_ISSUER!,
    audience: 'media-platform',
    sub: u!.id,
    sid: crypto.randomUUID(),
    ttlSeconds: 900,
  });
  const auth = ['-H', `authorization: Bearer ${token}`];
  const rssIdle = rssMiB();

  const each = Math.floor((totalMiB * 2 ** 20) / objects);
  const col = await collectionOf(
    db,
    u!.id,
    'bench',
    Array.from({ length: objects }, () => each),
  );
  console.log(`stored ${objects} objects of ${(each / 2 ** 20).toFixed(2)} MiB (${((each * objects) / 2 ** 30).toFixed(2)} GiB)`);
  const urls = await Promise.all(col.keys.map((k) => storage.presignGet(config.S3_BUCKET_RAW, k, { expiresIn: 3600 })));
  const zipUrl = `${edge.url}/api/collections/${col.id}/download.zip`;
  const direct: number[] = [];
  const viaEdge: number[] = [];
  const ttfb: number[] = [];
  let peak = rssIdle;
  let zipBytes = 0;
  for (let round = 0; round < 3; round++) {
    const d = await timed(() => curl(urls.flatMap((x) => ['-o', '/dev/null', x])));
    direct.push(d.ms);
    const z = await timed(() => curl([...auth, '-o', '/dev/null', '-w', '%{size_download} %{time_starttransfer}', zipUrl]));
    const [n, first] = z.out.split(' ').map(Number);
    zipBytes = n!;
    viaEdge.push(z.ms);
    ttfb.push(first! * 1000);
    peak = Math.max(peak, z.peak);
  }
  const best = (xs: number[]) => Math.min(...xs);
  const mbps = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  console.log(
    `all rounds s: direct ${direct.map((x) => (x / 1000).toFixed(1)).join(' ')}; zip ${viaEdge.map((x) => (x / 1000).toFixed(1)).join(' ')}`,
  );
  console.log(
    `ZIP of ${objects} objects (${(zipBytes / 2 ** 30).toFixed(2)} GiB): direct in sequence ${mbps(each * objects, best(direct))} MB/s, through the edge ${mbps(zipBytes, best(viaEdge))} MB/s, ratio ${(best(direct) / best(viaEdge)).toFixed(2)}x (best of 3); time to first byte ${best(ttfb).toFixed(0)} ms (median ${[...ttfb].sort((a, b) => a - b)[1]!.toFixed(0)} ms); workerd RSS idle ${rssIdle.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB`,
  );

  if (bigGiB > 0) {
    const bigSize = Math.floor(bigGiB * 2 ** 30);
    const big = await collectionOf(db, u!.id, 'big', [bigSize, 1000]);
    const file = path.join(dataDir, 'big.zip');
    const z = await timed(() =>
      curl([...auth, '-o', file, '-w', '%{size_download}', `${edge.url}/api/collections/${big.id}/download.zip`]),
    );
    console.log(
      `ZIP over 4 GiB: ${(statSync(file).size / 2 ** 30).toFixed(2)} GiB in ${(z.ms / 1000).toFixed(0)} s (${mbps(statSync(file).size, z.ms)} MB/s); workerd RSS idle ${rssIdle.toFixed(0)} MiB, peak ${z.peak.toFixed(0)} MiB`,
    );
    for (const [name, cmd, args, ok] of [
      ['unzip -t', 'unzip', ['-t', file], /No errors detected/],
      [
        'python zipfile testzip',
        'python3',
        ['-c', 'import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);print(z.testzip(), [i.file_size for i in z.infolist()])', file],
        /^None /,
      ],
      ['7z t', '7z', ['t', file], /Everything is Ok/],
    ] as const) {
      const t = performance.now();
      const out = execFileSync(cmd, [...args], { encoding: 'utf8', maxBuffer: 16 << 20 });
      if (!ok.test(out)) throw new Error(`${name} refused the archive:\n${out}`);
      console.log(`${name}: ok in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
  }
} finally {
  await edge.close();
  await postgres.close();
  await s3.close();
  await rm(dataDir, { recursive: true, force: true });
}
