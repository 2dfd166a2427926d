/**
 * Media reads, cold and hot, by path (issue 19, items 4 and 5): time to first
 * byte (the response's headers) and throughput of a w1024.webp-sized object
 * and a 64 MiB one, read
 *
 *  1. straight from S3 (a presigned GET) across the region's distance;
 *  2. through the edge from S3 (CDN off) across that distance;
 *  3. through the edge from the CloudFront stand-in, cold (its cache empty:
 *     it fetches from S3 across the distance) and hot (its copy);
 *  4. through the edge from the Workers Cache API (a hit: no crossing).
 *
 * Distance: bench/latency/http-delay-proxy.ts (imported, unchanged) adds D ms
 * each way in front of S3 (D=40 by default, a handshake of 2 round trips on a
 * new connection), and counts the requests that cross it. The stand-in sits
 * near the edge (no delay), as a CloudFront location near the Cloudflare one;
 * its own misses cross the distance. Paths 2-3 send `If-None-Match: "x"`
 * (matching nothing) so the edge's own cache is bypassed and storage or
 * CloudFront answers a full 200; path 4 sends a plain GET after a warm-up.
 * Reads go through the signed-URL path (`?t=`), which needs no database.
 *
 *   node --import tsx bench/media-cache.ts [delayMs=40] [reps=5] [bigMiB=64]
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCdnStandIn } from '../local/cdn-stand-in.ts';
import { bundleEdge, startEdge } from '../local/edge-runtime.ts';
import { startLocalS3 } from '../local/s3-server.ts';
import { S3Client } from '../edge/storage/s3-client.ts';
import { importCloudFrontKey, signCannedUrl } from '../shared/cdn/signed-url.ts';
import { derivativeKey } from '../shared/storage/keys.ts';
import { KeySet, generateSigningKey, signMediaToken } from '../shared/tokens/index.ts';
import { startHttpDelayProxy } from './latency/http-delay-proxy.ts';

const delayMs = Number(process.argv[2] ?? 40);
const reps = Number(process.argv[3] ?? 5);
const bigMiB = Number(process.argv[4] ?? 64);

interface Sample {
  firstByteMs: number;
  totalMs: number;
  bytes: number;
}

async function read(url: string, headers: Record<string, string> = {}): Promise<Sample> {
  const t0 = performance.now();
  const res = await fetch(url, { headers });
  const t1 = performance.now();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
  return { firstByteMs: t1 - t0, totalMs: performance.now() - t0, bytes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-media-cache-'));
  const s3 = await startLocalS3({ directory: dir, port: 0, buckets: ['raw', 'derivatives'], corsOrigins: [] });
  const far = await startHttpDelayProxy({ target: s3.endpoint, delayMs, handshakeRtts: 2 });
  const cdnKeys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  // CloudFront's misses cross the distance to the region; its hits do not.
  const cdn = await startCdnStandIn({
    s3Endpoint: far.endpoint,
    bucket: 'derivatives',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    trustedKeys: { KBENCH: cdnKeys.publicKey },
    cacheBytes: 4 * bigMiB * 1024 * 1024 + 1,
  });
  const signing = await generateSigningKey();
  const keys = await KeySet.fromJwks(signing, []);
  const party = { issuer: 'https://bench.test', audience: 'media-platform' };
  const scriptPath = await bundleEdge(path.join(dir, 'edge-build'));
  const common = {
    APP_ENV: 'local',
    S3_ENDPOINT: far.endpoint,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_BUCKET_RAW: 'raw',
    S3_BUCKET_DERIVATIVES: 'derivatives',
    DATABASE_URL: 'postgres://unused@127.0.0.1:9/none',
    DATABASE_WS_PROXY: '127.0.0.1:9/v1',
    DATABASE_WS_SECURE: 'false',
    AUTH_SIGNING_KEYS: JSON.stringify({ active: signing.kid, keys: [signing] }),
    AUTH_ISSUER: party.issuer,
    AUTH_AUDIENCE: party.audience,
  };
  const edgeS3 = await startEdge({ scriptPath, port: 0, bindings: common });
  const edgeCdn = await startEdge({
    scriptPath,
    port: 0,
    bindings: { ...common, CDN_DOMAIN: cdn.endpoint, CDN_KEY_PAIR_ID: 'KBENCH', CDN_PRIVATE_KEY: cdnKeys.privateKey },
  });
  const s3client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  const farClient = new S3Client({ endpoint: far.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  const signer = { keyPairId: 'KBENCH', privateKey: await importCloudFrontKey(cdnKeys.privateKey) };

  const objects = [
    { name: 'w1024.webp (180 KiB)', variant: 'w1024.webp', size: 180 * 1024, reps },
    { name: `${bigMiB} MiB`, variant: 'progressive.mp4', size: bigMiB * 1024 * 1024, reps: Math.max(3, Math.ceil(reps / 2)) },
  ];
  const rows: string[] = [];
  for (const o of objects) {
    const assetId = randomUUID();
    const key = derivativeKey(assetId, o.variant);
    await s3client.put('derivatives', key, randomBytes(o.size), { contentType: 'video/mp4', contentLength: o.size });
    const token = await signMediaToken(keys, { ...party, assetId, ttlSeconds: 3600 });
    const path = `/m/${assetId}/${o.variant}?t=${encodeURIComponent(token)}`;
    const bypass = { 'if-none-match': '"bench-matches-nothing"' };

    const run = async (label: string, once: () => Promise<Sample>, before?: () => Promise<void> | void) => {
      const samples: Sample[] = [];
      far.reset();
      const cdnBefore = { ...cdn.stats };
      for (let i = 0; i < o.reps; i++) {
        await before?.();
        samples.push(await once());
      }
      const ttfb = median(samples.map((s) => s.firstByteMs));
      const total = median(samples.map((s) => s.totalMs));
      const mbps = o.size / 1024 / 1024 / (total / 1000);
      const crossings = far.requests / o.reps;
      const connections = far.connections / o.reps;
      const hits = cdn.stats.hits - cdnBefore.hits;
      const misses = cdn.stats.misses - cdnBefore.misses;
      rows.push(
        `| ${o.name} | ${label} | ${ttfb.toFixed(1)} | ${total.toFixed(1)} | ${mbps.toFixed(1)} | ${crossings.toFixed(1)} | ${connections.toFixed(1)} | ${hits}/${misses} |`,
      );
      return { ttfb, total };
    };

    await run('S3 direct (presigned)', async () => read(await farClient.presignGet('derivatives', key, { expiresIn: 600 })));
    await run('edge → S3', () => read(`${edgeS3.url}${path}`, bypass));
    await run(
      'edge → CloudFront stand-in, cold',
      () => read(`${edgeCdn.url}${path}`, bypass),
      () => cdn.clear(),
    );
    // Warm the stand-in directly (a plain signed GET), not through the edge (which would fill its own cache).
    await read(await signCannedUrl(signer, `${cdn.endpoint}/${key}`, Math.floor(Date.now() / 1000) + 300));
    await run('edge → CloudFront stand-in, hot', () => read(`${edgeCdn.url}${path}`, bypass));
    await read(`${edgeCdn.url}${path}`); // fills the Workers cache (the copy is stored in the background)
    await new Promise((r) => setTimeout(r, 500));
    await run('edge, Workers Cache API hit', () => read(`${edgeCdn.url}${path}`));
  }

  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
  console.log(
    `media reads, D=${delayMs} ms each way in front of S3 (handshake 2 RTT), medians of ${reps} (big: ${objects[1]!.reps}); load ${load}`,
  );
  console.log(
    '| object | path | first byte ms | total ms | MiB/s | S3 requests across D per read | new connections across D per read | stand-in hits/misses |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) console.log(r);

  await edgeCdn.close();
  await edgeS3.close();
  await cdn.close();
  await far.close();
  await s3.close();
  await rm(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
