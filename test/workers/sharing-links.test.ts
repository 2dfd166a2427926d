/**
 * Share links through the API: creation with the org's expiry rules, the
 * managers' list with counts, edits that re-issue tokens, revocation, the
 * holder's metadata with media URLs that /s serves, and the audit log.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { derivatives, shareLinks } from '../../shared/db/schema.ts';
import { createAsset, createUser, putVariant, withDb } from './support/fixtures.ts';
import { api, errorCode, expectJson, ORIGIN, seedCollection, seedOrg } from './support/sharing-api.ts';
import { SELF } from 'cloudflare:test';

let owner: string;

const DAY = 86400;
const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`${ORIGIN}${path}`, { headers });
const secondsUntil = (iso: string) => (Date.parse(iso) - Date.now()) / 1000;

async function readyAsset(fields: Parameters<typeof createAsset>[2] = {}): Promise<string> {
  const asset = await withDb((db) => createAsset(db, owner, { filename: 'beach.jpg', title: 'Beach', placeholder: 'ph', ...fields }));
  await withDb((db) =>
    db.insert(derivatives).values([
      {
        assetId: asset,
        kind: 'w320.webp',
        key: `${asset}/w320.webp`,
        contentType: 'image/webp',
        width: 320,
        height: 240,
        size: 5,
        status: 'ready',
      },
      {
        assetId: asset,
        kind: 'w640.webp',
        key: `${asset}/w640.webp`,
        contentType: 'image/webp',
        width: 640,
        height: 480,
        size: 9,
        status: 'ready',
      },
      { assetId: asset, kind: 'w1024.webp', key: `${asset}/w1024.webp`, contentType: 'image/webp', status: 'pending' },
      {
        assetId: asset,
        kind: 'hls/master.m3u8',
        key: `${asset}/hls/master.m3u8`,
        contentType: 'application/vnd.apple.mpegurl',
        status: 'ready',
      },
      { assetId: asset, kind: 'hls/720p/seg_000.ts', key: `${asset}/hls/720p/seg_000.ts`, contentType: 'video/mp2t', status: 'ready' },
    ]),
  );
  await putVariant(asset, 'w320.webp', `thumb ${asset}`, 'image/webp');
  await putVariant(asset, 'original', `original ${asset}`, 'image/jpeg');
  return asset;
}

const createLink = (resourceId: string, extra: Record<string, unknown> = {}, resourceType = 'asset') =>
  api('POST', '/api/share-links', { as: owner, json: { resourceType, resourceId, ...extra } });

beforeAll(async () => {
  owner = await withDb((db) => createUser(db, 'sharer'));
});

describe('creating links', () => {
  it('answers 201 with a token and URLs; a personal resource gets 7 days by default', async () => {
    const asset = await readyAsset();
    const link = await expectJson(await createLink(asset), 201);
    expect(link).toMatchObject({
      resourceType: 'asset',
      resourceId: asset,
      permission: 'view',
      status: 'active',
      hasPassword: false,
      allowDownload: true,
      maxDownloads: null,
      downloadCount: 0,
      viewCount: 0,
      createdBy: owner,
    });
    expect(link.url).toBe(`/s/${link.token}/`);
    expect(link.apiUrl).toBe(`/api/share/${link.token}`);
    expect(secondsUntil(link.expiresAt)).toBeGreaterThan(7 * DAY - 60);
    expect(secondsUntil(link.expiresAt)).toBeLessThanOrEqual(7 * DAY);
    expect(JSON.stringify(link)).not.toMatch(/scrypt|passwordHash/);
  });

  it("takes the resource org's default and refuses more than its maximum (400); personal max is 90 days", async () => {
    const org = await seedOrg(owner, { shareLinkDefaultTtl: 3600, shareLinkMaxTtl: 2 * DAY });
    const asset = await readyAsset({ orgId: org });
    const link = await expectJson(await createLink(asset), 201);
    expect(Math.round(secondsUntil(link.expiresAt))).toBeGreaterThan(3500);
    expect(secondsUntil(link.expiresAt)).toBeLessThanOrEqual(3600);
    const tooLong = await createLink(asset, { expiresInSeconds: 2 * DAY + 1 });
    expect(tooLong.status).toBe(400);
    expect((await expectJson(tooLong, 400)).error.details.fields[0]).toMatchObject({ field: 'expiresInSeconds', code: 'too_big' });
    await expectJson(await createLink(asset, { expiresInSeconds: 2 * DAY }), 201);
    const farAt = await createLink(asset, { expiresAt: new Date(Date.now() + 3 * DAY * 1000).toISOString() });
    expect((await expectJson(farAt, 400)).error.details.fields[0].field).toBe('expiresAt');
    const personal = await readyAsset();
    expect((await createLink(personal, { expiresInSeconds: 90 * DAY + 1 })).status).toBe(400);
    const at = new Date(Date.now() + 30 * DAY * 1000);
    expect((await expectJson(await createLink(personal, { expiresAt: at.toISOString() }), 201)).expiresAt).toBe(at.toISOString());
  });

  it("follows a collection's org too", async () => {
    const org = await seedOrg(owner, { shareLinkDefaultTtl: 600, shareLinkMaxTtl: 1200 });
    const col = await seedCollection(owner, [], { orgId: org });
    const link = await expectJson(await createLink(col, {}, 'collection'), 201);
    expect(secondsUntil(link.expiresAt)).toBeLessThanOrEqual(600);
    expect((await createLink(col, { expiresInSeconds: 1201 }, 'collection')).status).toBe(400);
  });

  it('stores a password as a slow hash only', async () => {
    const asset = await readyAsset();
    const link = await expectJson(await createLink(asset, { password: 'open sesame 42' }), 201);
    expect(link.hasPassword).toBe(true);
    const [row] = await withDb((db) => db.select().from(shareLinks).where(eq(shareLinks.id, link.id)));
    expect(row!.passwordHash).toMatch(/^scrypt\$/);
    expect(row!.passwordHash).not.toContain('open sesame');
  });
});

describe('the holder side', () => {
  it('shows an asset with media URLs that /s serves; the original only when downloads are allowed', async () => {
    const asset = await readyAsset();
    const view = await expectJson(await createLink(asset), 201);
    const info = await expectJson(await api('GET', view.apiUrl), 200);
    expect(info.link).toEqual({
      resourceType: 'asset',
      permission: 'view',
      expiresAt: view.expiresAt,
      allowDownload: true,
      downloadsLeft: null,
      needsPassword: false,
    });
    expect(info.asset).toMatchObject({
      id: asset,
      filename: 'beach.jpg',
      title: 'Beach',
      contentType: 'image/jpeg',
      status: 'ready',
      placeholder: 'ph',
    });
    expect(info.asset.media.map((m: { variant: string }) => m.variant)).toEqual(['hls/master.m3u8', 'w320.webp', 'w640.webp']);
    const thumb = info.asset.media.find((m: { variant: string }) => m.variant === 'w320.webp');
    expect(thumb).toEqual({
      variant: 'w320.webp',
      url: `/s/${view.token}/w320.webp`,
      contentType: 'image/webp',
      width: 320,
      height: 240,
      size: 5,
    });
    const res = await get(thumb.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`thumb ${asset}`);

    const dl = await expectJson(await createLink(asset, { permission: 'download', maxDownloads: 1 }), 201);
    const dlInfo = await expectJson(await api('GET', dl.apiUrl), 200);
    const original = dlInfo.asset.media.find((m: { variant: string }) => m.variant === 'original');
    expect(original).toMatchObject({ url: `/s/${dl.token}/original`, contentType: 'image/jpeg' });
    expect(dlInfo.link.downloadsLeft).toBe(1);
    expect(await (await get(original.url)).text()).toBe(`original ${asset}`);
    const after = await expectJson(await api('GET', dl.apiUrl), 200);
    expect(after.link.downloadsLeft).toBe(0);
    expect(after.asset.media.map((m: { variant: string }) => m.variant)).not.toContain('original');

    const noDl = await expectJson(await createLink(asset, { permission: 'download', allowDownload: false }), 201);
    expect((await expectJson(await api('GET', noDl.apiUrl), 200)).asset.media.map((m: { variant: string }) => m.variant)).not.toContain(
      'original',
    );
  });

  it('counts every opening as a view, and downloads; the managers see both counts', async () => {
    const asset = await readyAsset();
    const link = await expectJson(await createLink(asset, { permission: 'download' }), 201);
    for (let i = 0; i < 3; i++) await expectJson(await api('GET', link.apiUrl), 200);
    expect((await get(`/s/${link.token}/original`)).status).toBe(200);
    expect((await get(`/s/${link.token}/w320.webp`)).status).toBe(200); // media requests are not views
    const list = await expectJson(await api('GET', `/api/share-links?resourceType=asset&resourceId=${asset}`, { as: owner }), 200);
    expect(list.items).toEqual([expect.objectContaining({ id: link.id, viewCount: 3, downloadCount: 1, status: 'active' })]);
    expect(list.items[0].token).toEqual(expect.any(String));
    expect(JSON.stringify(list)).not.toMatch(/scrypt/);
  });

  it('pages a collection in order, with per-item URLs under the link', async () => {
    const assets = [await readyAsset(), await readyAsset(), await readyAsset()];
    const trashed = await readyAsset({ deletedAt: new Date() });
    const col = await seedCollection(owner, [assets[0]!, trashed, assets[1]!, assets[2]!], { name: 'Trip', description: 'Summer' });
    const link = await expectJson(await createLink(col, { permission: 'download' }, 'collection'), 201);
    const first = await expectJson(await api('GET', `${link.apiUrl}?limit=2`), 200);
    expect(first.collection).toMatchObject({ id: col, name: 'Trip', description: 'Summer' });
    expect(first.collection.items.map((i: { id: string }) => i.id)).toEqual([assets[0], assets[1]]);
    const item = first.collection.items[0];
    const urls = item.media.map((m: { url: string }) => m.url);
    expect(urls).toContain(`/s/${link.token}/${assets[0]}/w320.webp`);
    expect(urls).toContain(`/s/${link.token}/${assets[0]}/original`);
    expect(await (await get(`/s/${link.token}/${assets[0]}/w320.webp`)).text()).toBe(`thumb ${assets[0]}`);
    const second = await expectJson(await api('GET', `${link.apiUrl}?limit=2&cursor=${first.collection.nextCursor}`), 200);
    expect(second.collection.items.map((i: { id: string }) => i.id)).toEqual([assets[2]]);
    expect(second.collection.nextCursor).toBeNull();
    const bad = await api('GET', `${link.apiUrl}?cursor=nope`);
    expect(bad.status).toBe(400);
  });

  it('is gone once the shared asset is trashed', async () => {
    const asset = await readyAsset();
    const link = await expectJson(await createLink(asset), 201);
    await withDb((db) => db.execute(`update assets set deleted_at = now() where id = '${asset}'`));
    expect((await api('GET', link.apiUrl)).status).toBe(410);
  });
});

describe('editing and revoking', () => {
  it('re-issues a token when permission or expiry change, and the row decides at once', async () => {
    const asset = await readyAsset();
    const link = await expectJson(await createLink(asset, { expiresInSeconds: 600 }), 201);
    expect((await get(`/s/${link.token}/original`)).status).toBe(403);
    const edited = await expectJson(
      await api('PATCH', `/api/share-links/${link.id}`, { as: owner, json: { permission: 'download', expiresInSeconds: 7200 } }),
      200,
    );
    expect(edited.permission).toBe('download');
    expect(edited.token).not.toBe(link.token);
    expect(secondsUntil(edited.expiresAt)).toBeGreaterThan(7000);
    expect((await get(`/s/${edited.token}/original`)).status).toBe(200);
    // The old token names the same row, which now allows downloads.
    expect((await get(`/s/${link.token}/original`)).status).toBe(200);
  });

  it('sets and clears a password, caps and the download switch', async () => {
    const asset = await readyAsset();
    const link = await expectJson(await createLink(asset, { permission: 'download' }), 201);
    const locked = await expectJson(
      await api('PATCH', `/api/share-links/${link.id}`, {
        as: owner,
        json: { password: 'new secret 123', maxDownloads: 5, allowDownload: false },
      }),
      200,
    );
    expect(locked).toMatchObject({ hasPassword: true, maxDownloads: 5, allowDownload: false });
    expect((await api('GET', link.apiUrl)).status).toBe(401);
    const open = await expectJson(
      await api('PATCH', `/api/share-links/${link.id}`, { as: owner, json: { password: null, maxDownloads: null, allowDownload: true } }),
      200,
    );
    expect(open).toMatchObject({ hasPassword: false, maxDownloads: null, allowDownload: true });
    expect((await api('GET', link.apiUrl)).status).toBe(200);
  });

  it('an expiry moved to the past refuses the link at once, everywhere', async () => {
    const asset = await readyAsset();
    const link = await expectJson(await createLink(asset), 201);
    expect((await get(`/s/${link.token}/w320.webp`)).status).toBe(200);
    const ended = await expectJson(
      await api('PATCH', `/api/share-links/${link.id}`, { as: owner, json: { expiresAt: new Date(Date.now() - 1000).toISOString() } }),
      200,
    );
    expect(ended).toMatchObject({ status: 'expired', token: null, url: null });
    expect((await api('GET', link.apiUrl)).status).toBe(410);
    expect((await get(`/s/${link.token}/w320.webp`)).status).toBe(410);
    // Moving it forward again revives the row; the old token still works until its own expiry.
    const revived = await expectJson(
      await api('PATCH', `/api/share-links/${link.id}`, { as: owner, json: { expiresInSeconds: 3600 } }),
      200,
    );
    expect(revived.status).toBe('active');
    expect((await api('GET', revived.apiUrl)).status).toBe(200);
  });

  it('revokes with 204 (idempotent), then refuses edits (409) and every path (410)', async () => {
    const asset = await readyAsset();
    const link = await expectJson(await createLink(asset), 201);
    expect((await api('DELETE', `/api/share-links/${link.id}`, { as: owner })).status).toBe(204);
    expect((await api('DELETE', `/api/share-links/${link.id}`, { as: owner })).status).toBe(204);
    const edit = await api('PATCH', `/api/share-links/${link.id}`, { as: owner, json: { expiresInSeconds: 3600 } });
    expect(edit.status).toBe(409);
    expect((await api('GET', link.apiUrl)).status).toBe(410);
    expect(await errorCode(await get(`/s/${link.token}/w320.webp`))).toBe('gone');
    const list = await expectJson(await api('GET', `/api/share-links?resourceType=asset&resourceId=${asset}`, { as: owner }), 200);
    expect(list.items[0]).toMatchObject({ status: 'revoked', token: null, revokedAt: expect.any(String) });
  });
});

describe('audit', () => {
  it('records creation, edits, opens and revocation, newest first, in pages', async () => {
    const asset = await readyAsset();
    const link = await expectJson(await createLink(asset), 201);
    await expectJson(await api('PATCH', `/api/share-links/${link.id}`, { as: owner, json: { password: 'another secret' } }), 200);
    await expectJson(await api('PATCH', `/api/share-links/${link.id}`, { as: owner, json: { password: null } }), 200);
    await expectJson(await api('GET', link.apiUrl), 200);
    expect((await api('DELETE', `/api/share-links/${link.id}`, { as: owner })).status).toBe(204);
    const page1 = await expectJson(await api('GET', `/api/audit?resourceType=asset&resourceId=${asset}&limit=3`, { as: owner }), 200);
    expect(page1.items.map((e: { action: string }) => e.action)).toEqual(['share.revoke', 'share.open', 'share.update']);
    expect(page1.items[1].actor).toBeNull();
    expect(page1.items[0].actor).toEqual({ id: owner, name: 'sharer' });
    expect(page1.items[2].detail).toMatchObject({ linkId: link.id, fields: ['password'] });
    expect(JSON.stringify(page1)).not.toMatch(/another secret|scrypt/);
    const page2 = await expectJson(
      await api('GET', `/api/audit?resourceType=asset&resourceId=${asset}&limit=3&cursor=${page1.nextCursor}`, { as: owner }),
      200,
    );
    expect(page2.items.map((e: { action: string }) => e.action)).toEqual(['share.update', 'share.create']);
    expect(page2.nextCursor).toBeNull();
  });
});
