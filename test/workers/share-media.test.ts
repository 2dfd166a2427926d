/**
 * Media through share links at /s/:token/...: the token is checked by crypto,
 * then the link row (revocation, expiry, password, download cap).
 */
import { SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectionItems, collections, shareLinks } from '../../shared/db/schema.ts';
import { passwordVersion, signMediaToken, signShareToken, signShareUnlockToken } from '../../shared/tokens/index.ts';
import { createAsset, createUser, keys, party, putVariant, withDb } from './support/fixtures.ts';

let owner: string;
let asset: string;
let other: string;
let collection: string;

type LinkInput = Partial<typeof shareLinks.$inferInsert>;

/** A link row and its token (the token's expiry is the row's unless given). */
async function link(fields: LinkInput = {}, tokenExpiry?: Date) {
  const expiresAt = fields.expiresAt ?? new Date(Date.now() + 3_600_000);
  const [row] = await withDb((db) =>
    db
      .insert(shareLinks)
      .values({ resourceType: 'asset', resourceId: asset, createdBy: owner, ...fields, expiresAt })
      .returning(),
  );
  const token = await signShareToken(await keys(), {
    ...party,
    linkId: row!.id,
    resource: { type: row!.resourceType, id: row!.resourceId },
    permission: row!.permission,
    expiresAt: tokenExpiry ?? expiresAt,
  });
  return { id: row!.id, token };
}

const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`http://edge.test${path}`, { headers });
const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

beforeAll(async () => {
  await withDb(async (db) => {
    owner = await createUser(db, 'sharer');
    asset = await createAsset(db, owner, { filename: 'holiday.jpg', detectedType: 'image/jpeg' });
    other = await createAsset(db, owner);
    const [col] = await db.insert(collections).values({ ownerId: owner, name: 'Trip' }).returning();
    collection = col!.id;
    await db.insert(collectionItems).values({ collectionId: collection, assetId: asset, position: 0, addedBy: owner });
  });
  for (const id of [asset, other]) {
    await putVariant(id, 'w640.webp', `thumb ${id}`, 'image/webp');
    await putVariant(id, 'original', `original ${id}`, 'image/jpeg');
  }
});

describe('asset links', () => {
  it('serve the linked asset without an account, never cached by shared caches', async () => {
    const { token } = await link();
    const res = await get(`/s/${token}/w640.webp`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`thumb ${asset}`);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('need the download permission (and allowDownload) for the original', async () => {
    const view = await link({ permission: 'view' });
    expect((await get(`/s/${view.token}/original`)).status).toBe(403);
    const blocked = await link({ permission: 'download', allowDownload: false });
    expect((await get(`/s/${blocked.token}/original`)).status).toBe(403);
    const dl = await link({ permission: 'download' });
    const res = await get(`/s/${dl.token}/original`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBeNull();
    expect(await res.text()).toBe(`original ${asset}`);
  });

  it('count downloads once per download and stop at the cap; ranges after the first byte are not new downloads', async () => {
    const { id, token } = await link({ permission: 'download', maxDownloads: 2 });
    expect((await get(`/s/${token}/original`)).status).toBe(200);
    expect((await get(`/s/${token}/original`, { range: 'bytes=3-5' })).status).toBe(206);
    expect((await get(`/s/${token}/original`, { range: 'bytes=0-2' })).status).toBe(206);
    const refused = await get(`/s/${token}/original`);
    expect(refused.status).toBe(403);
    expect((await get(`/s/${token}/w640.webp`)).status).toBe(200); // viewing still works
    const [row] = await withDb((db) => db.select().from(shareLinks).where(eq(shareLinks.id, id)));
    expect(row!.downloadCount).toBe(2);
  });

  it('are refused once revoked or expired in the database, even with a live token (410)', async () => {
    const revoked = await link({ revokedAt: new Date() });
    expect((await get(`/s/${revoked.token}/w640.webp`)).status).toBe(410);
    // A genuine token past its own expiry is also gone, not "invalid".
    const pastToken = await signShareToken(await keys(), {
      ...party,
      linkId: revoked.id,
      resource: { type: 'asset', id: asset },
      permission: 'view',
      now: new Date(Date.now() - 7_200_000),
      expiresAt: new Date(Date.now() - 3_600_000),
    });
    expect((await get(`/s/${pastToken}/w640.webp`)).status).toBe(410);
    const shortened = await link({ expiresAt: new Date(Date.now() - 1000) }, new Date(Date.now() + 3_600_000));
    const res = await get(`/s/${shortened.token}/w640.webp`);
    expect(res.status).toBe(410);
    expect(await code(res)).toBe('gone');
  });

  it('with a password serve nothing, thumbnails included, until unlocked for that link and password', async () => {
    const hash = 'scrypt$15$8$1$c2FsdA$aGFzaA';
    const { id, token } = await link({ passwordHash: hash });
    for (const v of ['w640.webp', 'original', 'hls/master.m3u8']) {
      const res = await get(`/s/${token}/${v}`);
      expect(res.status, v).toBe(401);
      expect(await code(res)).toBe('password_required');
    }
    const unlock = async (linkId: string, pwHash: string) =>
      (await signShareUnlockToken(await keys(), { ...party, linkId, passwordVersion: await passwordVersion(pwHash) })).token;
    const good = await unlock(id, hash);
    expect((await get(`/s/${token}/w640.webp`, { cookie: `__Host-share-${id}=${good}` })).status).toBe(200);
    expect((await get(`/s/${token}/w640.webp`, { 'x-share-unlock': good })).status).toBe(200);
    expect((await get(`/s/${token}/w640.webp?u=${good}`)).status).toBe(200);
    // Another link's unlock, an unlock from before a password change, or a share token: still locked.
    const other = await link({ passwordHash: hash });
    for (const bad of [await unlock(other.id, hash), await unlock(id, `${hash}-old`), token]) {
      const res = await get(`/s/${token}/w640.webp`, { 'x-share-unlock': bad });
      expect(res.status).toBe(401);
    }
  });

  it('never reach another asset, and refuse tokens that are not share tokens', async () => {
    const { token } = await link();
    expect((await get(`/s/${token}/${other}/w640.webp`)).status).toBe(404);
    const media = await signMediaToken(await keys(), { ...party, assetId: asset });
    for (const t of [media, 'garbage', `${token}x`]) {
      const res = await get(`/s/${t}/w640.webp`);
      expect(res.status, t).toBe(401);
      expect(await code(res)).toBe('unauthorized');
    }
  });
});

describe('collection links', () => {
  it('serve assets in the collection by id, and nothing outside it', async () => {
    const { token } = await link({ resourceType: 'collection', resourceId: collection });
    const res = await get(`/s/${token}/${asset}/w640.webp`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`thumb ${asset}`);
    expect((await get(`/s/${token}/${other}/w640.webp`)).status).toBe(404);
    expect((await get(`/s/${token}/w640.webp`)).status).toBe(404);
  });
});
