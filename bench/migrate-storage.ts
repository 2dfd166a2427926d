/**
 * migrate-storage against the plainest possible copy, in one run: two local
 * S3 servers, the same objects, (a) a bare GET piped into a PUT per object
 * (no hashing, no verification) and (b) migrateStorage (hashes while
 * streaming, records x-amz-meta-sha256, reads every copy back to verify).
 * Prints MB/s of each and the ratio b/a.
 *
 *   node --import tsx bench/migrate-storage.ts [totalMiB=256] [objects=8]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalS3 } from '../local/s3-server.ts';
import { migrateStorage } from '../cli/storage-migration.ts';
import { openStorage } from '../origin/core/storage.ts';

const totalMiB = Number(process.argv[2] ?? 256);
const objects = Number(process.argv[3] ?? 8);
const size = Math.floor((totalMiB * 1024 * 1024) / objects);

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-migrate-'));
const src = await startLocalS3({ directory: path.join(dir, 'a'), port: 0, buckets: ['src'], corsOrigins: [] });
const dst = await startLocalS3({ directory: path.join(dir, 'b'), port: 0, buckets: ['plain', 'verified'], corsOrigins: [] });
const client = (endpoint: string) => openStorage({ endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
const from = client(src.endpoint);
const to = client(dst.endpoint);

try {
  const chunk = new Uint8Array(size);
  for (let i = 0; i < objects; i++) {
    crypto.getRandomValues(chunk.subarray(0, 65536));
    await from.put('src', `obj/${i}`, chunk);
  }
  const mb = (objects * size) / 1e6;

  const t0 = performance.now();
  const keys = Array.from({ length: objects }, (_, i) => `obj/${i}`);
  for (let i = 0; i < keys.length; i += 4) {
    await Promise.all(
      keys.slice(i, i + 4).map(async (k) => {
        const res = await from.get('src', k);
        await to.put('plain', k, res!.body, { contentLength: size });
      }),
    );
  }
  const plainS = (performance.now() - t0) / 1000;

  const result = await migrateStorage({
    from: { client: from, bucket: 'src' },
    to: { client: to, bucket: 'verified' },
    concurrency: 4,
  });
  const verifiedS = result.elapsedMs / 1000;
  if (result.failed.length || result.copied.length !== objects) throw new Error(`migrate failed: ${JSON.stringify(result.failed)}`);

  console.log(`objects: ${objects} x ${(size / 1048576).toFixed(1)} MiB = ${mb.toFixed(0)} MB, concurrency 4, node ${process.version}`);
  console.log(`plain GET->PUT pipe:      ${(mb / plainS).toFixed(1)} MB/s`);
  console.log(`migrateStorage (verified): ${(mb / verifiedS).toFixed(1)} MB/s`);
  console.log(`ratio verified/plain:      ${(plainS / verifiedS).toFixed(2)}x`);
} finally {
  await src.close();
  await dst.close();
  await rm(dir, { recursive: true, force: true });
}
