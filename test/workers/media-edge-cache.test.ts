/**
 * The Workers Cache API on media (edge/delivery/edge-cache.ts), in workerd.
 * A hit is proven to touch neither Postgres nor storage by asking again with
 * every dependency on a closed port (database relay, S3, CloudFront): only a
 * cached answer can still be 200. What must never be kept is proven the same
 * way: with the dependencies closed it is 503, not 200.
 */
import { env } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../edge/app.ts';
import { PUBLIC_MEDIA, PUBLIC_SHARED_MAX_AGE } from '../../edge/delivery/cache-policy.ts';
import { EDGE_CACHE_SECONDS, cacheKeyUrl } from '../../edge/delivery/edge-cache.ts';
import { assets } from '../../shared/db/schema.ts';
import { signMediaToken } from '../../shared/tokens/index.ts';
import { bearer, createAsset, createUser, keys, party, patterned, putVariant, withDb } from './support/fixtures.ts';
import { makeLink } from './support/share-links.ts';

const CLOSED = 'http://127.0.0.1:9';
/** Every way to the region closed: only this location's cache can answer. */
const down = { ...env, DATABASE_WS_PROXY: '127.0.0.1:9/v1', S3_ENDPOINT: CLOSED, CDN_DOMAIN: CLOSED };
const bytes = patterned(40_000);
let owner: string;

const request = (path: string, headers: Record<string, string> = {}, bindings: object = env, method = 'GET') =>
  createApp().request(`http://edge.test${path}`, { method, headers }, bindings);

/** Reads `path` (consuming the body, so the teed copy is stored), then waits until a request with everything closed is a hit. */
async function warm(path: string, headers: Record<string, string> = {}): Promise<Response> {
  const first = await request(path, headers);
  expect(first.status).toBe(200);
  await first.arrayBuffer();
  for (let i = 0; i < 50; i++) {
    const res = await request(path, headers, down);
    if (res.status === 200) return res;
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never cached: ${path}`);
}

async function asset(fields: Partial<typeof assets.$inferInsert> = {}): Promise<string> {
  const id = await withDb((db) => createAsset(db, owner, fields));
  await putVariant(id, 'w1024.webp', bytes, 'image/webp');
  await putVariant(id, 'hls/master.m3u8', '#EXTM3U\n', 'application/vnd.apple.mpegurl');
  await putVariant(id, 'original', bytes, 'image/webp');
  return id;
}

beforeAll(async () => {
  owner = await withDb((db) => createUser(db, 'edge-cache-owner'));
});

describe('public derivatives', () => {
  it('a hit answers with neither the database nor storage, the same headers and bytes', async () => {
    const id = await asset({ visibility: 'public' });
    const fresh = await request(`/m/${id}/w1024.webp`);
    const freshHeaders = Object.fromEntries([...fresh.headers].filter(([k]) => !['date', 'x-request-id'].includes(k)));
    await fresh.arrayBuffer();
    const hit = await warm(`/m/${id}/w1024.webp`);
    expect(new Uint8Array(await hit.arrayBuffer())).toEqual(bytes);
    const hitHeaders = Object.fromEntries([...hit.headers].filter(([k]) => !['date', 'x-request-id'].includes(k)));
    expect(hitHeaders).toEqual(freshHeaders);
    expect(hit.headers.get('cache-control')).toBe(PUBLIC_MEDIA);
    const head = await request(`/m/${id}/w1024.webp`, {}, down, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(await head.text()).toBe('');
    const headRange = await request(`/m/${id}/w1024.webp`, { range: 'bytes=100-199' }, down, 'HEAD');
    expect(headRange.status).toBe(206);
    expect(headRange.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(headRange.headers.get('content-length')).toBe('100');
    expect(await headRange.text()).toBe('');
  });

  it("Range on a hit: one range from the cached copy, checked against the edge's own plan", async () => {
    const id = await asset({ visibility: 'public' });
    await (await warm(`/m/${id}/w1024.webp`)).arrayBuffer();
    for (const [range, start, end] of [
      ['bytes=100-199', 100, 199],
      ['bytes=-10', bytes.length - 10, bytes.length - 1],
      ['bytes=39990-', 39_990, bytes.length - 1],
    ] as const) {
      const res = await request(`/m/${id}/w1024.webp`, { range }, down);
      expect(res.status, range).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${bytes.length}`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.subarray(start, end + 1));
    }
    // Several ranges, If-Range and unsatisfiable ranges are not answered by the cache (here: 503 with everything closed).
    const bypassed: Record<string, string>[] = [
      { range: 'bytes=0-9,20-29' },
      { range: 'bytes=0-9', 'if-range': '"x"' },
      { range: 'bytes=90000-' },
    ];
    for (const headers of bypassed) {
      const res = await request(`/m/${id}/w1024.webp`, headers, down);
      expect(res.status, JSON.stringify(headers)).not.toBe(200);
      expect(res.status, JSON.stringify(headers)).not.toBe(206);
      await res.body?.cancel();
    }
  });

  it('a revalidation is decided afresh: made private, the browser holding a copy gets 404 at once', async () => {
    const id = await asset({ visibility: 'public' });
    const hit = await warm(`/m/${id}/w1024.webp`);
    const etag = hit.headers.get('etag')!;
    await hit.arrayBuffer();
    expect((await request(`/m/${id}/w1024.webp`, { 'if-none-match': etag }, down)).status).toBe(503);
    await withDb((db) => db.update(assets).set({ visibility: 'private', visibilitySetBy: null }).where(eq(assets.id, id)));
    expect((await request(`/m/${id}/w1024.webp`, { 'if-none-match': etag })).status).toBe(404);
    expect((await request(`/m/${id}/w1024.webp`, { 'if-modified-since': new Date(Date.now() + 60_000).toUTCString() })).status).toBe(404);
  });

  it('a plain read may come from the copy after a change of mind, for at most the shared-cache bound (60 s)', async () => {
    expect(EDGE_CACHE_SECONDS).toBe(PUBLIC_SHARED_MAX_AGE);
    const id = await asset({ visibility: 'public' });
    await (await warm(`/m/${id}/w1024.webp`)).arrayBuffer();
    const stored = await caches.default.match(cacheKeyUrl({ space: 'public', assetId: id, variant: 'w1024.webp', download: false }));
    expect(stored?.headers.get('cache-control')).toBe(`public, max-age=${PUBLIC_SHARED_MAX_AGE}, s-maxage=${PUBLIC_SHARED_MAX_AGE}`);
    await stored?.body?.cancel();
  });

  it('signed-in callers are neither served from nor stored in the public copy', async () => {
    const id = await asset({ visibility: 'public' });
    const auth = await bearer(owner);
    const res = await request(`/m/${id}/w1024.webp?download=1`, auth);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    // The owner may download; an anonymous ?download=1 must still be decided for the public (never from the owner's answer).
    expect((await request(`/m/${id}/w1024.webp?download=1`, {}, down)).status).toBe(503);
    await (await warm(`/m/${id}/w1024.webp`)).arrayBuffer();
    expect((await request(`/m/${id}/w1024.webp`, auth, down)).status).toBe(503);
  });

  it('never kept: playlists, originals, errors', async () => {
    const id = await asset({ visibility: 'public' });
    const playlist = await request(`/m/${id}/hls/master.m3u8`);
    expect(playlist.status).toBe(200);
    await playlist.text();
    const missing = await request(`/m/${id}/w320.webp`);
    expect(missing.status).toBe(404);
    await missing.body?.cancel();
    await new Promise((r) => setTimeout(r, 200));
    expect((await request(`/m/${id}/hls/master.m3u8`, {}, down)).status).toBe(503);
    expect((await request(`/m/${id}/w320.webp`, {}, down)).status).toBe(503);
    expect((await request(`/m/${id}/original`, {}, down)).status).toBe(503);
  });
});

describe('private assets', () => {
  it('a Bearer read of a private derivative is never kept', async () => {
    const id = await asset();
    const auth = await bearer(owner);
    const res = await request(`/m/${id}/w1024.webp`, auth);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 200));
    expect((await request(`/m/${id}/w1024.webp`, auth, down)).status).toBe(503);
    expect((await request(`/m/${id}/w1024.webp`, {}, down)).status).toBe(503);
  });

  it('signed derivatives: kept after the token check, without the token in the key, never for anyone without one', async () => {
    const id = await asset();
    const t1 = await signMediaToken(await keys(), { ...party, assetId: id });
    const hit = await warm(`/m/${id}/w1024.webp?t=${encodeURIComponent(t1)}`);
    expect(new Uint8Array(await hit.arrayBuffer())).toEqual(bytes);
    expect(hit.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    // Another valid token for the same object shares the copy, with its own lifetime in Cache-Control.
    const t2 = await signMediaToken(await keys(), { ...party, assetId: id, ttlSeconds: 120 });
    const other = await request(`/m/${id}/w1024.webp?t=${encodeURIComponent(t2)}`, {}, down);
    expect(other.status).toBe(200);
    expect(Number(/max-age=(\d+)/.exec(other.headers.get('cache-control')!)![1])).toBeLessThanOrEqual(120);
    await other.arrayBuffer();
    // No token, a tampered token, a token for another asset: refused before the cache (or 503: the database is closed).
    const tampered = `${t1.slice(0, -4)}AAAA`;
    const otherAsset = await signMediaToken(await keys(), { ...party, assetId: await asset() });
    for (const path of [
      `/m/${id}/w1024.webp`,
      `/m/${id}/w1024.webp?t=${encodeURIComponent(tampered)}`,
      `/m/${id}/w1024.webp?t=${encodeURIComponent(otherAsset)}`,
    ]) {
      const res = await request(path, {}, down);
      expect(res.status, path).not.toBe(200);
      await res.body?.cancel();
    }
  });

  it('a signed original is never kept', async () => {
    const id = await asset();
    const t = await signMediaToken(await keys(), { ...party, assetId: id, permission: 'download' });
    const res = await request(`/m/${id}/original?t=${encodeURIComponent(t)}`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 200));
    expect((await request(`/m/${id}/original?t=${encodeURIComponent(t)}`, {}, down)).status).toBe(503);
  });
});

describe('share links', () => {
  it('/s is never kept: the link is checked and download caps counted on every read', async () => {
    const id = await asset({ visibility: 'public' });
    const { token } = await makeLink({ resourceId: id, createdBy: owner });
    const res = await request(`/s/${token}/w1024.webp`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 200));
    expect((await request(`/s/${token}/w1024.webp`, {}, down)).status).toBe(503);
  });
});
