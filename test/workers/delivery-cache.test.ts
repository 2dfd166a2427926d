/**
 * Caches after a change of mind. Public derivatives may be reused for
 * minutes, never a year (browser 300 s, shared caches 60 s, never stale);
 * Bearer and share-link answers are revalidated every time. The edge itself
 * refuses at once: the next request — a revalidation with the old ETag
 * included — after the owner makes the asset private, deletes it, removes a
 * grant or revokes a link gets no bytes and no 304 (a plain anonymous GET may
 * meet the location's Workers cache copy for up to 60 s, like any shared
 * cache: test/workers/media-edge-cache.test.ts).
 */
import { SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assets, grants, shareLinks } from '../../shared/db/schema.ts';
import { bearer, createAsset, createUser, putVariant, withDb } from './support/fixtures.ts';
import { makeLink } from './support/share-links.ts';

const SHORT_PUBLIC = 'public, max-age=300, s-maxage=60, must-revalidate';
let owner: string;
let friend: string;

beforeAll(async () => {
  [owner, friend] = await withDb((db) => Promise.all([createUser(db, 'mind-changer'), createUser(db, 'friend')]));
});

async function publicAsset(): Promise<string> {
  const id = await withDb((db) => createAsset(db, owner, { visibility: 'public' }));
  await putVariant(id, 'w320.webp', 'webp', 'image/webp');
  await putVariant(id, 'hls/master.m3u8', '#EXTM3U\n', 'application/vnd.apple.mpegurl');
  return id;
}

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  SELF.fetch(`http://edge.test${path}`, { method, headers });

describe('how long an answer may be kept', () => {
  it('a public derivative: minutes, for browsers and shared caches alike, never stale, never immutable', async () => {
    const id = await publicAsset();
    for (const [path, method] of [
      [`/m/${id}/w320.webp`, 'GET'],
      [`/m/${id}/w320.webp`, 'HEAD'],
      [`/m/${id}/hls/master.m3u8`, 'GET'],
    ] as const) {
      const res = await get(path, {}, method);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe(SHORT_PUBLIC);
      await res.body?.cancel();
    }
    const etag = (await get(`/m/${id}/w320.webp`, {}, 'HEAD')).headers.get('etag')!;
    const revalidated = await get(`/m/${id}/w320.webp`, { 'if-none-match': etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('cache-control')).toBe(SHORT_PUBLIC);
  });

  it('Bearer and share-link answers: revalidated every time, never in a shared cache', async () => {
    const id = await publicAsset();
    const { token } = await makeLink({ resourceId: id, createdBy: owner });
    const viaLink = await get(`/s/${token}/w320.webp`);
    expect(viaLink.headers.get('cache-control')).toBe('private, no-cache');
    // A signed-in viewer's playlist carries a token minted for them: never shared.
    const playlist = await get(`/m/${id}/hls/master.m3u8`, await bearer(owner));
    expect(playlist.headers.get('cache-control')).toBe('private, no-cache');
    await Promise.all([viaLink.body?.cancel(), playlist.body?.cancel()]);
  });
});

describe('the edge refuses at once after a change of mind', () => {
  it.each([
    ['made private', () => ({ visibility: 'private' as const, visibilitySetBy: null })],
    ['deleted', () => ({ deletedAt: new Date() })],
  ])('public, then %s: 404, even to a revalidation with the old ETag', async (_, change) => {
    const id = await publicAsset();
    // HEAD: an anonymous GET would leave a copy in this location's Workers cache, which may
    // answer plain GETs for up to 60 s (the shared-cache bound; test/workers/media-edge-cache.test.ts).
    const before = await get(`/m/${id}/w320.webp`, {}, 'HEAD');
    expect(before.status).toBe(200);
    const etag = before.headers.get('etag')!;
    await before.body?.cancel();
    await withDb((db) => db.update(assets).set(change()).where(eq(assets.id, id)));
    const revalidations: Record<string, string>[] = [
      {},
      { 'if-none-match': etag },
      { 'if-modified-since': new Date(Date.now() + 60_000).toUTCString() },
    ];
    for (const headers of revalidations) {
      const res = await get(`/m/${id}/w320.webp`, headers);
      expect(res.status, JSON.stringify(headers)).toBe(404);
      expect(res.headers.get('cache-control') ?? '').not.toMatch(/public/);
      await res.body?.cancel();
    }
  });

  it('a grant removed: the grantee gets 404 at once, revalidating or not', async () => {
    const id = await withDb((db) => createAsset(db, owner));
    await putVariant(id, 'w320.webp', 'webp', 'image/webp');
    const [grant] = await withDb((db) =>
      db
        .insert(grants)
        .values({ resourceType: 'asset', resourceId: id, principalType: 'user', principalId: friend, permission: 'view', grantedBy: owner })
        .returning(),
    );
    const auth = await bearer(friend);
    const before = await get(`/m/${id}/w320.webp`, auth);
    expect(before.status).toBe(200);
    const etag = before.headers.get('etag')!;
    await before.body?.cancel();
    await withDb((db) => db.delete(grants).where(eq(grants.id, grant!.id)));
    expect((await get(`/m/${id}/w320.webp`, { ...auth, 'if-none-match': etag })).status).toBe(404);
  });

  it('a link revoked: 410 at once, revalidating or not', async () => {
    const id = await publicAsset();
    const { id: linkId, token } = await makeLink({ resourceId: id, createdBy: owner });
    const before = await get(`/s/${token}/w320.webp`);
    const etag = before.headers.get('etag')!;
    await before.body?.cancel();
    await withDb((db) => db.update(shareLinks).set({ revokedAt: new Date() }).where(eq(shareLinks.id, linkId)));
    expect((await get(`/s/${token}/w320.webp`, { 'if-none-match': etag })).status).toBe(410);
  });
});
