/**
 * The whole local stack end to end, as `npm run dev` runs it: an original
 * lands in the raw bucket, the dispatcher feeds the same ingest handler the
 * Lambda runs, ffmpeg stands in for MediaConvert and reports through the same
 * completion handler, and the edge (workerd) serves the results at /m with
 * signed media URL tokens — HLS playlists carrying the token to every segment.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { devConfigSchema, parseConfig } from '../../shared/config.ts';
import { assets, users } from '../../shared/db/schema.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { KeySet, signMediaToken } from '../../shared/tokens/index.ts';
import { sidewaysJpeg } from './support/samples.ts';

const exec = promisify(execFile);
let dir: string;
let stack: LocalStack;
let keys: KeySet;
let party: { issuer: string; audience: string };
let owner: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'stack-pipeline-'));
  const config = parseConfig(devConfigSchema, { DATA_DIR: dir, EDGE_PORT: '0', S3_PORT: '0', PG_PORT: '0', PG_WS_PORT: '0' });
  stack = await startLocalStack(config);
  const raw = JSON.parse(await readFile(path.join(dir, 'secrets', 'auth-keys.json'), 'utf8')) as {
    active: string;
    keys: Record<string, unknown>[];
  };
  keys = await KeySet.fromJwks(raw.keys.find((k) => k.kid === raw.active)!);
  party = { issuer: stack.bindings.AUTH_ISSUER!, audience: stack.bindings.AUTH_AUDIENCE! };
  const [u] = await stack.postgres.handle.db
    .insert(users)
    .values({ email: 'e2e@example.test', name: 'e2e', passwordHash: 'x' })
    .returning();
  owner = u!.id;
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

async function upload(bytes: Buffer, filename: string, declaredType: string): Promise<string> {
  const db = stack.postgres.handle.db;
  const [a] = await db.insert(assets).values({ ownerId: owner, filename, declaredType, size: bytes.byteLength }).returning();
  await stack.pipeline.storage.put(stack.pipeline.buckets.raw, originalKey(a!.id), new Uint8Array(bytes), { contentType: declaredType });
  return a!.id;
}

async function waitForStatus(id: string, ms = 90_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const [row] = await stack.postgres.handle.db
      .select({ status: assets.status, reason: assets.statusReason })
      .from(assets)
      .where(eq(assets.id, id));
    if (row && ['ready', 'failed', 'blocked'].includes(row.status)) return row.reason ? `${row.status}: ${row.reason}` : row.status;
    if (Date.now() > deadline) throw new Error(`asset ${id} still ${row?.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('local stack: upload -> pipeline -> edge', () => {
  it('turns a sideways JPEG into upright derivatives served at /m with a media token', async () => {
    const id = await upload(await sidewaysJpeg(1200, 800), 'photo.jpg', 'image/jpeg');
    expect(await waitForStatus(id)).toBe('ready');
    const t = await signMediaToken(keys, { ...party, assetId: id, scope: 'w320.webp' });
    const res = await fetch(`${stack.edge.url}/m/${id}/w320.webp?t=${t}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
    const [row] = await stack.postgres.handle.db.select().from(assets).where(eq(assets.id, id));
    expect(row!.placeholder).toBeTruthy();
    expect(row!.detectedType).toBe('image/jpeg');
  });

  it('turns a short clip into an HLS ladder a player can follow through the edge', async () => {
    const clip = path.join(dir, 'clip.mp4');
    await exec('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=640x360:rate=25:duration=3',
      '-f',
      'lavfi',
      '-i',
      'sine=duration=3',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      '-y',
      clip,
    ]);
    const id = await upload(await readFile(clip), 'clip.mp4', 'video/mp4');
    expect(await waitForStatus(id, 120_000)).toBe('ready');
    const t = await signMediaToken(keys, { ...party, assetId: id, scope: 'hls/' });
    const master = await (await fetch(`${stack.edge.url}/m/${id}/hls/master.m3u8?t=${t}`)).text();
    const rungUri = master.split('\n').find((l) => l.endsWith(`t=${t}`) && l.includes('.m3u8'))!;
    expect(rungUri).toBeTruthy();
    const rung = await (await fetch(`${stack.edge.url}/m/${id}/hls/${rungUri}`)).text();
    const segUri = rung.split('\n').find((l) => l.includes('.ts?t='))!;
    const seg = await fetch(`${stack.edge.url}/m/${id}/hls/${segUri}`);
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/mp2t');
    expect((await seg.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const poster = await fetch(`${stack.edge.url}/m/${id}/poster.jpg?t=${await signMediaToken(keys, { ...party, assetId: id })}`);
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
  });
});
