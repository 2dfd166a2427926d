/**
 * Uploads against the local stack, in one run:
 *
 *  1. 1 GiB: one presigned single PUT straight to the S3 server vs the upload
 *     client's multipart upload through the edge (create, sign each part,
 *     PUT parts from disk with 4 and 6 in flight, complete) — same bytes,
 *     same server, alternated, best of `rounds`; the ratio multipart/PUT.
 *     The same multipart signed in the client with no edge separates what the
 *     edge costs from what the local S3 server costs (its complete rewrites
 *     every byte; AWS's is metadata only), so the ratios are also printed
 *     without the complete call. And the same file through the AWS SDK's
 *     lib-storage Upload (what the origin's tools use: parts read from the
 *     file stream and buffered, 4 in flight, 8 MiB each), signed in the
 *     client with no edge.
 *  2. 5 GiB multipart from a sparse file: time, and the client's peak RSS
 *     (flat memory: parts are streamed from disk, never held whole).
 *
 * Every client runs in its own process (this script, re-run with `client`),
 * so the S3 server and workerd do not share its event loop and its peak RSS
 * is its own (VmHWM).
 *
 *   node --import tsx bench/uploads.ts [sizeMiB=1024] [bigGiB=5] [rounds=2]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EdgeApi } from '../cli/upload-client/edge-api.ts';
import { uploadFile } from '../cli/upload-client/multipart-upload.ts';
import { putFromFile } from '../cli/upload-client/put-from-file.ts';
import { createReadStream } from 'node:fs';
import { S3Client } from '../edge/storage/s3-client.ts';
import { openStorage } from '../origin/core/storage.ts';

const MiB = 1024 * 1024;

interface ClientResult {
  ms: number;
  maxRssMiB: number;
  parts?: number;
  /** Where a multipart upload's time goes: signing one part URL at the edge, and the complete call. */
  phases?: { signP50Ms: number; signP99Ms: number; completeMs: number } | undefined;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

/** The client's API with the edge calls timed. */
class TimedApi extends EdgeApi {
  readonly sign: number[] = [];
  completeMs = 0;
  override async partUrl(uploadId: string, key: string, n: number): Promise<string> {
    const t = performance.now();
    const url = await super.partUrl(uploadId, key, n);
    this.sign.push(performance.now() - t);
    return url;
  }
  override async complete(...args: Parameters<EdgeApi['complete']>): ReturnType<EdgeApi['complete']> {
    const t = performance.now();
    const r = await super.complete(...args);
    this.completeMs = performance.now() - t;
    return r;
  }
}

// ---- client side (a child process) -------------------------------------------------------------

async function client(mode: string, args: string[]): Promise<void> {
  const t = performance.now();
  let parts: number | undefined;
  let phases: ClientResult['phases'];
  if (mode === 'put') {
    const [file, url, size] = args as [string, string, string];
    const res = await putFromFile({ url, file, start: 0, end: Number(size) });
    if (res.status !== 200) throw new Error(`PUT: ${res.status} ${res.text}`);
  } else if (mode === 'direct') {
    // The same multipart upload signed in this process (no edge): what S3 alone costs.
    const [file, s3Endpoint, bucket, concurrency] = args as [string, string, string, string];
    const storage = new S3Client({ endpoint: s3Endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const size = (await stat(file)).size;
    const partSize = 8 * MiB;
    const key = `bench/${crypto.randomUUID()}`;
    const id = await storage.createMultipartUpload(bucket, key);
    const queue = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i + 1);
    const done: { partNumber: number; etag: string }[] = [];
    await Promise.all(
      Array.from({ length: Number(concurrency) }, async () => {
        for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
          const url = await storage.presignUploadPart(bucket, key, id, n, 3600);
          const r = await putFromFile({ url, file, start: (n - 1) * partSize, end: Math.min(size, n * partSize) });
          if (r.status !== 200 || !r.etag) throw new Error(`part ${n}: ${r.status}`);
          done.push({ partNumber: n, etag: r.etag });
        }
      }),
    );
    const c = performance.now();
    await storage.completeMultipartUpload(bucket, key, id, done);
    parts = done.length;
    phases = { signP50Ms: 0, signP99Ms: 0, completeMs: performance.now() - c };
  } else if (mode === 'sdk') {
    // lib-storage Upload from a file stream: the SDK cuts, buffers and sends the parts.
    const [file, s3Endpoint, bucket, concurrency] = args as [string, string, string, string];
    const storage = openStorage({ endpoint: s3Endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const size = (await stat(file)).size;
    await storage.upload(bucket, `bench/${crypto.randomUUID()}`, createReadStream(file, { highWaterMark: MiB }), {
      partSize: 8 * MiB,
      queueSize: Number(concurrency),
    });
    parts = Math.ceil(size / (8 * MiB));
  } else {
    const [file, endpoint, email, password, concurrency] = args as [string, string, string, string, string];
    const api = new TimedApi({ endpoint, email, password });
    await api.login();
    const r = await uploadFile({ api, file, contentType: 'application/octet-stream', concurrency: Number(concurrency) });
    parts = r.partCount;
    phases = { signP50Ms: pct(api.sign, 50), signP99Ms: pct(api.sign, 99), completeMs: api.completeMs };
  }
  // VmHWM, not getrusage: on Linux a child's ru_maxrss starts at its parent's RSS at fork time.
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(await readFile('/proc/self/status', 'utf8'))?.[1] ?? 0);
  const out: ClientResult = { ms: performance.now() - t, maxRssMiB: hwm / 1024, ...(parts ? { parts, phases } : {}) };
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0); // keep-alive sockets would hold the process open
}

function spawnClient(args: string[]): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'client', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ClientResult) : reject(new Error(`client exited ${code}: ${out}`)),
    );
  });
}

// ---- the benchmark -----------------------------------------------------------------------------

async function bench(): Promise<void> {
  const sizeMiB = Number(process.argv[2] ?? 1024);
  const bigGiB = Number(process.argv[3] ?? 5);
  const rounds = Number(process.argv[4] ?? 2);
  const size = sizeMiB * MiB;
  const { startUploadStack } = await import('../test/node/support/upload-stack.ts');
  const env = await startUploadStack({ ingest: false });
  const work = await mkdtemp(path.join(os.tmpdir(), 'bench-uploads-'));
  try {
    const user = await env.register('bench');
    const creds = [env.endpoint, user.email, user.password];

    // Incompressible-looking data: 64 MiB of random bytes repeated.
    const file = path.join(work, 'one.bin');
    const block = Buffer.alloc(64 * MiB);
    for (let i = 0; i < block.length; i += 65536) block.set((await import('node:crypto')).randomBytes(65536), i);
    const fh = await open(file, 'w');
    for (let written = 0; written < size; written += block.length) await fh.write(block, 0, Math.min(block.length, size - written));
    await fh.close();

    const put = async () => {
      const key = `bench/${crypto.randomUUID()}`;
      const signed = await env.storage.presignPut(env.raw, key, { expiresIn: 3600, contentLength: size });
      const r = await spawnClient(['put', file, signed.url, String(size)]);
      await env.storage.delete(env.raw, key);
      return r;
    };
    const multipart = async (concurrency: number) => {
      const r = await spawnClient(['multipart', file, ...creds, String(concurrency)]);
      return r;
    };
    const times = {
      put: [] as ClientResult[],
      mp4: [] as ClientResult[],
      mp6: [] as ClientResult[],
      direct: [] as ClientResult[],
      sdk: [] as ClientResult[],
    };
    for (let round = 0; round < rounds; round++) {
      times.put.push(await put());
      times.mp4.push(await multipart(4));
      times.mp6.push(await multipart(6));
      times.direct.push(await spawnClient(['direct', file, env.stack.bindings.S3_ENDPOINT!, env.raw, '4']));
      times.sdk.push(await spawnClient(['sdk', file, env.stack.bindings.S3_ENDPOINT!, env.raw, '4']));
      // The uploaded objects are not needed again: keep the disk from filling.
      const origin = env.stack.pipeline.storage;
      for await (const o of origin.list(env.raw)) await origin.delete(env.raw, o.key);
    }
    const best = (xs: ClientResult[]) => xs.reduce((a, b) => (b.ms < a.ms ? b : a));
    const mbps = (r: ClientResult, bytes = size) => (bytes / 1e6 / (r.ms / 1000)).toFixed(0);
    const [p, m4, m6, d4, s4] = [best(times.put), best(times.mp4), best(times.mp6), best(times.direct), best(times.sdk)];
    console.log(`${sizeMiB} MiB, best of ${rounds}:`);
    console.log(
      `  single PUT (presigned, direct)    ${(p.ms / 1000).toFixed(2)} s  ${mbps(p)} MB/s  client peak RSS ${p.maxRssMiB.toFixed(0)} MiB`,
    );
    console.log(
      `  multipart, 4 in flight (${m4.parts} parts) ${(m4.ms / 1000).toFixed(2)} s  ${mbps(m4)} MB/s  ratio ${(p.ms / m4.ms).toFixed(2)}x  client peak RSS ${m4.maxRssMiB.toFixed(0)} MiB`,
    );
    console.log(
      `  multipart, 6 in flight (${m6.parts} parts) ${(m6.ms / 1000).toFixed(2)} s  ${mbps(m6)} MB/s  ratio ${(p.ms / m6.ms).toFixed(2)}x  client peak RSS ${m6.maxRssMiB.toFixed(0)} MiB`,
    );
    console.log(
      `  multipart signed in the client, no edge, 4 in flight (${d4.parts} parts) ${(d4.ms / 1000).toFixed(2)} s  ${mbps(d4)} MB/s  ratio ${(p.ms / d4.ms).toFixed(2)}x; without its complete ${(p.ms / (d4.ms - d4.phases!.completeMs)).toFixed(2)}x`,
    );
    console.log(
      `  SDK lib-storage Upload from a file stream, no edge, 4 in flight (${s4.parts} parts) ${(s4.ms / 1000).toFixed(2)} s  ${mbps(s4)} MB/s  ratio ${(p.ms / s4.ms).toFixed(2)}x  client peak RSS ${s4.maxRssMiB.toFixed(0)} MiB`,
    );
    console.log(
      `  multipart through the edge without its complete: 4 in flight ${(p.ms / (m4.ms - m4.phases!.completeMs)).toFixed(2)}x, 6 in flight ${(p.ms / (m6.ms - m6.phases!.completeMs)).toFixed(2)}x`,
    );
    const ph = (r: ClientResult) =>
      r.phases
        ? `sign p50 ${r.phases.signP50Ms.toFixed(0)} ms, p99 ${r.phases.signP99Ms.toFixed(0)} ms; complete ${(r.phases.completeMs / 1000).toFixed(2)} s`
        : '';
    console.log(`  where multipart time goes: 4 in flight: ${ph(m4)}; 6 in flight: ${ph(m6)}`);
    const all = (xs: ClientResult[]) => xs.map((r) => (r.ms / 1000).toFixed(2)).join(' ');
    console.log(
      `  (all rounds, s: PUT ${all(times.put)}; mp4 ${all(times.mp4)}; mp6 ${all(times.mp6)}; direct ${all(times.direct)}; sdk ${all(times.sdk)})`,
    );
    await rm(file);

    if (bigGiB > 0) {
      const big = path.join(work, 'big.bin');
      await writeFile(big, '');
      await truncate(big, bigGiB * 1024 * MiB); // sparse: reads as zeros, costs no disk
      const r = await spawnClient(['multipart', big, ...creds, '4']);
      console.log(
        `${bigGiB} GiB multipart (sparse file, 4 in flight, ${r.parts} parts): ${(r.ms / 1000).toFixed(1)} s  ${mbps(r, bigGiB * 1024 * MiB)} MB/s  client peak RSS ${r.maxRssMiB.toFixed(0)} MiB`,
      );
    }
  } finally {
    await env.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'client') await client(process.argv[3]!, process.argv.slice(4));
else await bench();
