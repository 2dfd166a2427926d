/**
 * Upload ("file drop") links, the managers' side and what a holder can see:
 * creating and editing the upload settings (bad input refused), who may
 * create them, and that a drop-only holder learns nothing of the collection
 * beyond its name — no items, names or count — on every share path:
 * `/api/share/:token`, `/s/:token/…` media, the status endpoints and the
 * upload endpoints themselves.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { collectionItems, grants } from '../../shared/db/schema.ts';
import { createAsset, createUser, putVariant, withDb } from './support/fixtures.ts';
import { api, bytesOf, errorCode, json, MiB } from './support/uploads.ts';
import { holder, makeCollection, makeDropLink, putDrop, startDrop } from './support/drops.ts';

let owner: string;
let manager: string;
let viewer: string;
let stranger: string;
let album: string;
let secret: string;

beforeAll(async () => {
  [owner, manager, viewer, stranger] = await withDb((db) =>
    Promise.all([
      createUser(db, 'drop-owner'),
      createUser(db, 'drop-manager'),
      createUser(db, 'drop-viewer'),
      createUser(db, 'drop-stranger'),
    ]),
  );
  album = await makeCollection(owner, 'Anna & Ben');
  secret = await withDb((db) =>
    createAsset(db, owner, { filename: 'private-speech-notes.jpg', status: 'ready', declaredType: 'image/jpeg' }),
  );
  await putVariant(secret, 'w320.webp', bytesOf(300, 3), 'image/webp');
  await withDb(async (db) => {
    await db.insert(collectionItems).values({ collectionId: album, assetId: secret, addedBy: owner, position: 0 });
    await db.insert(grants).values([
      {
        resourceType: 'collection',
        resourceId: album,
        principalType: 'user',
        principalId: manager,
        permission: 'manage',
        grantedBy: owner,
      },
      { resourceType: 'collection', resourceId: album, principalType: 'user', principalId: viewer, permission: 'edit', grantedBy: owner },
    ]);
  });
});

describe('creating upload links', () => {
  it('answers the settings (defaults: any kind, no caps, not drop-only) and counters at 0', async () => {
    const link = await makeDropLink(owner, album, {});
    expect(link.upload).toEqual({ dropOnly: false, kinds: 'any', maxFiles: null, maxBytes: null, maxFileSize: null, files: 0, bytes: 0 });
    const full = await makeDropLink(owner, album, { dropOnly: true, kinds: 'images', maxFiles: 3, maxBytes: 10 * MiB, maxFileSize: MiB });
    expect(full.upload).toMatchObject({ dropOnly: true, kinds: 'images', maxFiles: 3, maxBytes: 10 * MiB, maxFileSize: MiB });
    const plain = await json<{ upload: unknown }>(
      await api('/api/share-links', owner, { json: { resourceType: 'collection', resourceId: album } }),
      201,
    );
    expect(plain.upload).toBeNull();
  });

  it('a manage holder may create one; edit (not manage) is 403, a stranger 404', async () => {
    await makeDropLink(manager, album, { dropOnly: true });
    const body = { resourceType: 'collection', resourceId: album, upload: {} };
    expect((await api('/api/share-links', viewer, { json: body })).status).toBe(403);
    expect((await api('/api/share-links', stranger, { json: body })).status).toBe(404);
    expect((await api('/api/share-links', undefined, { json: body })).status).toBe(401);
  });

  it.each([
    ['an asset link', { resourceType: 'asset', resourceId: 'SECRET', upload: {} }],
    ['zero files', { upload: { maxFiles: 0 } }],
    ['a negative byte cap', { upload: { maxBytes: -1 } }],
    ['a file size over 5 GiB', { upload: { maxFileSize: 5 * 1024 * MiB + 1 } }],
    ['an unknown kind', { upload: { kinds: 'documents' } }],
    ['an unknown field', { upload: { maxFiles: 2, everything: true } }],
    ['a string cap', { upload: { maxFiles: '2' } }],
    ['upload not an object', { upload: true }],
  ])('refuses %s with 400 and creates nothing', async (_name, body) => {
    const before = await json<{ items: unknown[] }>(await api(`/api/share-links?resourceType=collection&resourceId=${album}`, owner), 200);
    const full = { resourceType: 'collection', resourceId: album, ...body };
    if (full.resourceId === 'SECRET') full.resourceId = secret;
    const res = await api('/api/share-links', owner, { json: full });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('validation_failed');
    const after = await json<{ items: unknown[] }>(await api(`/api/share-links?resourceType=collection&resourceId=${album}`, owner), 200);
    expect(after.items.length).toBe(before.items.length);
  });

  it('PATCH replaces the settings; null stops uploads at once (403 on the upload endpoints)', async () => {
    const link = await makeDropLink(owner, album, { maxFiles: 5 });
    const changed = await json<{ upload: Record<string, unknown> }>(
      await api(`/api/share-links/${link.id}`, owner, { method: 'PATCH', json: { upload: { kinds: 'videos', dropOnly: true } } }),
      200,
    );
    expect(changed.upload).toMatchObject({ kinds: 'videos', dropOnly: true, maxFiles: null });
    const off = await json<{ upload: unknown }>(
      await api(`/api/share-links/${link.id}`, owner, { method: 'PATCH', json: { upload: null } }),
      200,
    );
    expect(off.upload).toBeNull();
    const res = await startDrop(link.token, 10, {}, 'video/mp4');
    expect(res.status).toBe(403);
    expect((await putDrop(link.token, 10)).status).toBe(403);
  });
});

describe('what a drop-only holder sees', () => {
  it('/api/share/:token: the upload rules and the collection name, nothing of its items', async () => {
    const link = await makeDropLink(owner, album, { dropOnly: true, maxFiles: 10 });
    await json(await putDrop(link.token, 100), 201);
    const res = await holder(`/api/share/${link.token}`);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const info = JSON.parse(text) as Record<string, any>;
    expect(info.collection).toBeUndefined();
    expect(info.asset).toBeUndefined();
    expect(info.link.upload).toEqual({
      dropOnly: true,
      kinds: 'any',
      maxFileSize: null,
      maxFiles: 10,
      maxBytes: null,
      endpoint: `/s/${link.token}`,
      collectionName: 'Anna & Ben',
    });
    // No item id, name, count, nor how many others dropped.
    for (const leak of [secret, 'private-speech-notes', '"files"', '"items"', '"bytes"']) expect(text).not.toContain(leak);
  });

  it('/s/:token/…: every item path is 404, as for an item that does not exist', async () => {
    const link = await makeDropLink(owner, album, { dropOnly: true });
    for (const variant of ['w320.webp', 'original', 'hls/master.m3u8']) {
      const res = await holder(`/s/${link.token}/${secret}/${variant}`);
      expect(res.status, variant).toBe(404);
    }
    // A view link of the same collection does serve it: the 404 is the drop-only rule.
    const view = await json<{ token: string }>(
      await api('/api/share-links', owner, { json: { resourceType: 'collection', resourceId: album } }),
      201,
    );
    expect((await holder(`/s/${view.token}/${secret}/w320.webp`)).status).toBe(200);
  });

  it('the collection ZIP (edge/downloads/): a drop-only link with download permission yields no archive, not even a manifest', async () => {
    const link = await makeDropLink(owner, album, { dropOnly: true }, { permission: 'download' });
    for (const method of ['GET', 'HEAD']) {
      const res = await holder(`/s/${link.token}/download.zip`, { method });
      expect(res.status, method).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('content-type') ?? '', method).not.toContain('zip');
      if (method === 'GET') expect(await res.text()).not.toContain('private-speech-notes');
    }
    // The same collection through a download link does give the archive: the refusal is the drop-only rule.
    const dl = await json<{ token: string }>(
      await api('/api/share-links', owner, { json: { resourceType: 'collection', resourceId: album, permission: 'download' } }),
      201,
    );
    // The archive's head (its plan, no bytes: this asset's original is not stored here) through a
    // download link of the same collection is 200: the refusal above is the drop-only rule.
    const ok = await holder(`/s/${dl.token}/download.zip`, { method: 'HEAD' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('zip');
  });

  it('status endpoints: a dropped file is not the holder’s to watch (404), nor is any other asset', async () => {
    const link = await makeDropLink(owner, album, { dropOnly: true });
    const started = await json<{ assetId: string }>(await putDrop(link.token, 100), 201);
    for (const id of [started.assetId, secret]) {
      expect((await holder(`/api/assets/${id}/status`)).status).toBe(404);
      expect((await holder(`/status?key=${id}/original`)).status).toBe(404);
      expect((await holder(`/s/${link.token}/${id}/original`)).status).toBe(404);
    }
  });

  it('who dropped a file is shown to manage holders of it only', async () => {
    const link = await makeDropLink(owner, album, { dropOnly: true });
    const { assetId } = await json<{ assetId: string }>(await putDrop(link.token, 100, { uploaderName: 'Cousin Joe', note: 'hi' }), 201);
    const asOwner = await json<{ droppedBy: unknown }>(await api(`/api/assets/${assetId}`, owner), 200);
    expect(asOwner.droppedBy).toEqual({ linkId: link.id, name: 'Cousin Joe', note: 'hi' });
    const asManager = await json<{ droppedBy: unknown }>(await api(`/api/assets/${assetId}`, manager), 200);
    expect(asManager.droppedBy).toEqual({ linkId: link.id, name: 'Cousin Joe', note: 'hi' });
    // Edit on the collection reaches the item at edit: no name.
    const asEditor = await json<{ droppedBy: unknown; permission: string }>(await api(`/api/assets/${assetId}`, viewer), 200);
    expect(asEditor).toMatchObject({ permission: 'edit', droppedBy: null });
  });

  it('a link that also views shows the collection page and the upload rules', async () => {
    const link = await makeDropLink(owner, album, { dropOnly: false });
    const info = await json<Record<string, any>>(await holder(`/api/share/${link.token}`), 200);
    expect(info.collection.items.map((i: { id: string }) => i.id)).toContain(secret);
    expect(info.link.upload).toMatchObject({ dropOnly: false, collectionName: 'Anna & Ben' });
  });

  it('a view-only link has no upload rules and its upload endpoints are 403', async () => {
    const view = await json<{ token: string }>(
      await api('/api/share-links', owner, { json: { resourceType: 'collection', resourceId: album } }),
      201,
    );
    const info = await json<Record<string, any>>(await holder(`/api/share/${view.token}`), 200);
    expect(info.link.upload).toBeUndefined();
    for (const res of [
      await startDrop(view.token, 10),
      await putDrop(view.token, 10),
      await holder(`/s/${view.token}/s3/params?filename=a.jpg&type=image/jpeg&metadata[size]=10&metadata[uploaderName]=x`),
    ]) {
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe('forbidden');
    }
  });
});
