/**
 * Rights never amplify, through the real routes. The reproduction: a user
 * who may only view an asset (a public asset of another user) puts it in a
 * collection of their own and shares that collection — with themselves,
 * their org, another account, or through a link — and must gain nothing:
 * every manage and download operation stays refused. Then the paths that do
 * share (an item added by a sharer) and that they stop the moment the sharer
 * loses manage.
 */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAsset, createUser, putVariant, withDb } from './support/fixtures.ts';
import { api, expectJson, ORIGIN, seedOrg, seedMember } from './support/sharing-api.ts';

let owner: string;
let viewer: string;
let friend: string;
let asset: string;
/** Grants name people who share an org with the granter: everyone here is in one (which itself grants nothing). */
let commons: string;
const newUser = async (name: string) => {
  const id = await withDb((db) => createUser(db, name));
  await seedMember(commons, id);
  return id;
};

/** Everything the viewer could do with manage or download, and the status each must get. */
async function managerOperations(as: string, id: string) {
  return {
    download: (await api('GET', `/m/${id}/original`, { as })).status,
    rename: (await api('PATCH', `/api/assets/${id}`, { as, json: { title: 'mine now' } })).status,
    hide: (await api('PATCH', `/api/assets/${id}`, { as, json: { visibility: 'private' } })).status,
    trash: (await api('DELETE', `/api/assets/${id}`, { as })).status,
    link: (await api('POST', '/api/share-links', { as, json: { resourceType: 'asset', resourceId: id, permission: 'download' } })).status,
    grants: (await api('GET', `/api/grants?resourceType=asset&resourceId=${id}`, { as })).status,
    audit: (await api('GET', `/api/audit?resourceType=asset&resourceId=${id}`, { as })).status,
  };
}
const refusedToViewer = { download: 403, rename: 403, hide: 403, trash: 403, link: 403, grants: 403, audit: 403 };

const newCollection = async (as: string) =>
  (await expectJson(await api('POST', '/api/collections', { as, json: { name: `c-${crypto.randomUUID()}` } }), 201)).id as string;
const addItem = (as: string, collection: string, assetId: string) =>
  api('POST', `/api/collections/${collection}/items`, { as, json: { assetId } });
const grant = (as: string, json: Record<string, unknown>) => api('POST', '/api/grants', { as, json });

beforeAll(async () => {
  owner = await withDb((db) => createUser(db, 'owner'));
  commons = await seedOrg(owner);
  viewer = await newUser('viewer');
  friend = await newUser('friend');
  asset = await withDb((db) => createAsset(db, owner));
  await putVariant(asset, 'original', 'the original bytes', 'image/jpeg');
  await putVariant(asset, 'w320.webp', 'thumb', 'image/webp');
  // Made public through the API, so the edge records who decided it.
  await expectJson(await api('PATCH', `/api/assets/${asset}`, { as: owner, json: { visibility: 'public' } }), 200);
});

describe('a viewer cannot become a manager', () => {
  it('before: views, cannot download or manage', async () => {
    expect((await api('GET', `/api/assets/${asset}`, { as: viewer })).status).toBe(200);
    expect(await managerOperations(viewer, asset)).toEqual(refusedToViewer);
  });

  it('adding it to their collection and granting themselves manage gives nothing', async () => {
    const mine = await newCollection(viewer);
    // Personal curation stays allowed: the item is in the viewer's collection.
    expect((await addItem(viewer, mine, asset)).status).toBe(201);
    const self = await grant(viewer, {
      resourceType: 'collection',
      resourceId: mine,
      principalType: 'user',
      principalId: viewer,
      permission: 'manage',
    });
    expect(self.status).toBe(400);
    expect(await managerOperations(viewer, asset)).toEqual(refusedToViewer);
  });

  it('granting the collection to their org gives neither them nor the org anything more', async () => {
    const org = await seedOrg(viewer);
    await seedMember(org, friend);
    const mine = await newCollection(viewer);
    expect((await addItem(viewer, mine, asset)).status).toBe(201);
    const res = await grant(viewer, {
      resourceType: 'collection',
      resourceId: mine,
      principalType: 'org',
      principalId: org,
      permission: 'manage',
    });
    expect(res.status).toBe(201);
    expect(await managerOperations(viewer, asset)).toEqual(refusedToViewer);
    expect(await managerOperations(friend, asset)).toEqual(refusedToViewer);
  });

  it('granting the collection to another account gives that account nothing more', async () => {
    const mine = await newCollection(viewer);
    expect((await addItem(viewer, mine, asset)).status).toBe(201);
    const res = await grant(viewer, {
      resourceType: 'collection',
      resourceId: mine,
      principalType: 'user',
      principalId: friend,
      permission: 'manage',
    });
    expect(res.status).toBe(201);
    expect(await managerOperations(friend, asset)).toEqual(refusedToViewer);
    // The friend does manage the viewer's collection itself: that is the viewer's to give.
    expect((await api('GET', `/api/grants?resourceType=collection&resourceId=${mine}`, { as: friend })).status).toBe(200);
  });

  it('a link on the collection reaches nothing the viewer could not share', async () => {
    const mine = await newCollection(viewer);
    expect((await addItem(viewer, mine, asset)).status).toBe(201);
    const link = await expectJson(
      await api('POST', '/api/share-links', { as: viewer, json: { resourceType: 'collection', resourceId: mine, permission: 'download' } }),
      201,
    );
    const opened = await expectJson(await SELF.fetch(`${ORIGIN}/api/share/${link.token}`), 200);
    expect(opened.collection.items).toEqual([]);
    // The asset is public, so anyone sees its thumbnail anyway; the link adds no download.
    expect((await SELF.fetch(`${ORIGIN}/s/${link.token}/${asset}/original`)).status).toBe(403);
  });
});

describe('what a sharer passes on, and only while they hold manage', () => {
  it('an item added by a manager is shared by their collection until the manager loses manage', async () => {
    const manager = await newUser('manager');
    const reader = await newUser('reader');
    const priv = await withDb((db) => createAsset(db, owner));
    await putVariant(priv, 'original', 'private original', 'image/jpeg');
    const managerGrant = await expectJson(
      await grant(owner, { resourceType: 'asset', resourceId: priv, principalType: 'user', principalId: manager, permission: 'manage' }),
      201,
    );
    const theirs = await newCollection(manager);
    expect((await addItem(manager, theirs, priv)).status).toBe(201);
    expect(
      (
        await grant(manager, {
          resourceType: 'collection',
          resourceId: theirs,
          principalType: 'user',
          principalId: reader,
          permission: 'download',
        })
      ).status,
    ).toBe(201);
    const link = await expectJson(
      await api('POST', '/api/share-links', { as: manager, json: { resourceType: 'asset', resourceId: priv, permission: 'download' } }),
      201,
    );
    expect((await api('GET', `/m/${priv}/original`, { as: reader })).status).toBe(200);
    expect((await SELF.fetch(`${ORIGIN}/s/${link.token}/original`)).status).toBe(200);
    // The reader got download, never more: no manage operations.
    expect((await api('PATCH', `/api/assets/${priv}`, { as: reader, json: { title: 'x' } })).status).toBe(403);

    expect((await api('DELETE', `/api/grants/${managerGrant.id}`, { as: owner })).status).toBe(204);
    expect((await api('GET', `/m/${priv}/original`, { as: reader })).status).toBe(404);
    expect((await api('GET', `/api/assets/${priv}`, { as: reader })).status).toBe(404);
    expect((await SELF.fetch(`${ORIGIN}/s/${link.token}/original`)).status).toBe(404);
    expect((await SELF.fetch(`${ORIGIN}/api/share/${link.token}`)).status).toBe(410);
    const listed = await expectJson(await api('GET', '/api/assets?scope=shared&limit=100', { as: reader }), 200);
    expect(listed.items.map((i: { id: string }) => i.id)).not.toContain(priv);
  });

  it('public stays public only while whoever made it public may share it', async () => {
    const manager = await newUser('publisher');
    const priv = await withDb((db) => createAsset(db, owner));
    await putVariant(priv, 'w320.webp', 'thumb', 'image/webp');
    const g = await expectJson(
      await grant(owner, { resourceType: 'asset', resourceId: priv, principalType: 'user', principalId: manager, permission: 'manage' }),
      201,
    );
    await expectJson(await api('PATCH', `/api/assets/${priv}`, { as: manager, json: { visibility: 'public' } }), 200);
    // HEAD: an anonymous GET would leave a copy in the location's Workers cache, which may answer
    // plain GETs for up to 60 s after a change (the shared-cache bound; media-edge-cache.test.ts).
    expect((await SELF.fetch(`${ORIGIN}/m/${priv}/w320.webp`, { method: 'HEAD' })).status).toBe(200);
    expect((await api('DELETE', `/api/grants/${g.id}`, { as: owner })).status).toBe(204);
    expect((await SELF.fetch(`${ORIGIN}/m/${priv}/w320.webp`)).status).toBe(404);
    expect((await api('GET', `/api/assets/${priv}`, { as: friend })).status).toBe(404);
  });

  it("a manager who raises an owner's grant or link answers for it: it falls with their manage", async () => {
    const manager = await newUser('raiser');
    const reader = await newUser('reader2');
    const priv = await withDb((db) => createAsset(db, owner));
    await putVariant(priv, 'original', 'raised original', 'image/jpeg');
    const asAsset = { resourceType: 'asset', resourceId: priv };
    const m = await expectJson(await grant(owner, { ...asAsset, principalType: 'user', principalId: manager, permission: 'manage' }), 201);
    const r = await expectJson(await grant(owner, { ...asAsset, principalType: 'user', principalId: reader, permission: 'view' }), 201);
    const link = await expectJson(await api('POST', '/api/share-links', { as: owner, json: { ...asAsset, permission: 'view' } }), 201);
    expect((await api('GET', `/m/${priv}/original`, { as: reader })).status).toBe(403);
    expect((await SELF.fetch(`${ORIGIN}/s/${link.token}/original`)).status).toBe(403);

    expect((await api('PATCH', `/api/grants/${r.id}`, { as: manager, json: { permission: 'download' } })).status).toBe(200);
    const raised = await expectJson(
      await api('PATCH', `/api/share-links/${link.id}`, { as: manager, json: { permission: 'download' } }),
      200,
    );
    expect((await api('GET', `/m/${priv}/original`, { as: reader })).status).toBe(200);
    expect((await SELF.fetch(`${ORIGIN}/s/${raised.token}/original`)).status).toBe(200);

    expect((await api('DELETE', `/api/grants/${m.id}`, { as: owner })).status).toBe(204);
    expect((await api('GET', `/api/assets/${priv}`, { as: reader })).status).toBe(404);
    expect((await SELF.fetch(`${ORIGIN}/s/${raised.token}/original`)).status).toBe(404);
    expect((await SELF.fetch(`${ORIGIN}/api/share/${raised.token}`)).status).toBe(410);
  });
});
