/**
 * `POST /api/assets/bulk`: happy paths per action, per-item results in
 * request order, and the security table: every item is decided as the
 * single route decides it (viewer-only refused for trash/tag, someone else's
 * or unknown ids not_found alike, no existence leak), bad bodies refused
 * whole with nothing written.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { assets, assetTags, auditLog, collectionItems, collections, tags } from '../../shared/db/schema.ts';
import { createAsset, createUser, uid, withDb } from './support/fixtures.ts';
import { api, buildWorld, expectStatus } from './support/library-world.ts';

type Result = { results: { id: string; ok: boolean; error?: { code: string; message: string } }[]; succeeded: number; failed: number };

const bulk = (as: string | null, json: unknown) => api('POST', '/api/assets/bulk', { as, json });
const codes = (r: Result) => r.results.map((x) => (x.ok ? 'ok' : x.error!.code));

async function mine(n: number, fields: Partial<typeof assets.$inferInsert> = {}) {
  return withDb(async (db) => {
    const user = await createUser(db, 'bulk');
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await createAsset(db, user, fields));
    return { user, ids };
  });
}

const deletedIds = (ids: string[]) =>
  withDb(
    async (db) =>
      (
        await db
          .select({ id: assets.id })
          .from(assets)
          .where(and(inArray(assets.id, ids)))
      ).length,
  ).then(() => withDb((db) => db.select({ id: assets.id, deletedAt: assets.deletedAt }).from(assets).where(inArray(assets.id, ids))));

describe('POST /api/assets/bulk: actions', () => {
  it('trashes and restores many assets in one call, with one audit row each', async () => {
    const { user, ids } = await mine(3);
    const trashed = await expectStatus<Result>(await bulk(user, { action: 'trash', assetIds: ids }), 200);
    expect(trashed).toEqual({ results: ids.map((id) => ({ id, ok: true })), succeeded: 3, failed: 0 });
    expect((await deletedIds(ids)).every((r) => r.deletedAt !== null)).toBe(true);
    // Trashing again is the same outcome (as DELETE answers 204), and writes no second audit row.
    expect(codes(await expectStatus<Result>(await bulk(user, { action: 'trash', assetIds: ids }), 200))).toEqual(['ok', 'ok', 'ok']);
    const restored = await expectStatus<Result>(await bulk(user, { action: 'restore', assetIds: ids }), 200);
    expect(restored.succeeded).toBe(3);
    expect((await deletedIds(ids)).every((r) => r.deletedAt === null)).toBe(true);
    const rows = await withDb((db) => db.select({ action: auditLog.action }).from(auditLog).where(inArray(auditLog.resourceId, ids)));
    expect(rows.filter((r) => r.action === 'asset.delete')).toHaveLength(3);
    expect(rows.filter((r) => r.action === 'asset.restore')).toHaveLength(3);
    // Not in the trash any more: a per-item conflict, as the single route answers 409.
    expect(codes(await expectStatus<Result>(await bulk(user, { action: 'restore', assetIds: [ids[0]] }), 200))).toEqual(['conflict']);
  });

  it('refuses to restore an asset whose purge is due, per item', async () => {
    const { user, ids } = await mine(1, { deletedAt: new Date(), purgeAfter: new Date(Date.now() - 1000) });
    const [ok] = await mine(1, { deletedAt: new Date(), purgeAfter: new Date(Date.now() + 86_400_000) }).then((m) => m.ids);
    const r = await expectStatus<Result>(await bulk(user, { action: 'restore', assetIds: ids }), 200);
    expect(codes(r)).toEqual(['conflict']);
    expect(ok).toBeTruthy();
  });

  it('tags and untags per owner, keeping tags_text in step and the first spelling', async () => {
    const { user, ids } = await mine(2);
    await expectStatus(await api('PUT', `/api/assets/${ids[0]}/tags`, { as: user, json: { tags: ['Beach'] } }), 200);
    const r = await expectStatus<Result>(await bulk(user, { action: 'tag', assetIds: ids, tags: ['beach', 'Summer', 'summer'] }), 200);
    expect(r.succeeded).toBe(2);
    const detail = async (id: string) =>
      (await expectStatus<{ tags: string[] }>(await api('GET', `/api/assets/${id}`, { as: user }), 200)).tags.sort();
    expect(await detail(ids[0]!)).toEqual(['Beach', 'Summer']);
    expect(await detail(ids[1]!)).toEqual(['Beach', 'Summer']);
    const text = await withDb((db) => db.select({ t: assets.tagsText }).from(assets).where(eq(assets.id, ids[1]!)));
    expect(text[0]!.t.split(' ').sort()).toEqual(['Beach', 'Summer']);
    const search = await expectStatus<{ items: { id: string }[] }>(await api('GET', '/api/search?q=summer', { as: user }), 200);
    expect(search.items.map((i) => i.id).sort()).toEqual([...ids].sort());
    await expectStatus(await bulk(user, { action: 'untag', assetIds: ids, tags: ['BEACH'] }), 200);
    expect(await detail(ids[0]!)).toEqual(['Summer']);
    expect(await detail(ids[1]!)).toEqual(['Summer']);
  });

  it('refuses a tag that would take an asset past 50 tags, per item', async () => {
    const { user, ids } = await mine(2);
    const fifty = Array.from({ length: 50 }, (_, i) => `t${i}`);
    await expectStatus(await api('PUT', `/api/assets/${ids[0]}/tags`, { as: user, json: { tags: fifty } }), 200);
    const r = await expectStatus<Result>(await bulk(user, { action: 'tag', assetIds: ids, tags: ['one-more'] }), 200);
    expect(codes(r)).toEqual(['conflict', 'ok']);
    // Re-adding a tag it already has is not "more".
    expect(codes(await expectStatus<Result>(await bulk(user, { action: 'tag', assetIds: [ids[0]], tags: ['T1'] }), 200))).toEqual(['ok']);
  });

  it('adds to a collection in request order, reporting those already there and those in the trash', async () => {
    const { user, ids } = await mine(3);
    const trashedId = await withDb((db) => createAsset(db, user, { deletedAt: new Date() }));
    const col = await withDb(async (db) => {
      const [c] = await db.insert(collections).values({ ownerId: user, name: 'bulk' }).returning({ id: collections.id });
      await db.insert(collectionItems).values({ collectionId: c!.id, assetId: ids[1]!, position: 0, addedBy: user });
      return c!.id;
    });
    const r = await expectStatus<Result>(
      await bulk(user, { action: 'add-to-collection', collectionId: col, assetIds: [ids[2], ids[1], ids[0], trashedId] }),
      200,
    );
    expect(codes(r)).toEqual(['ok', 'conflict', 'ok', 'conflict']);
    const items = await withDb((db) =>
      db.select().from(collectionItems).where(eq(collectionItems.collectionId, col)).orderBy(collectionItems.position),
    );
    expect(items.map((i) => [i.assetId, i.position])).toEqual([
      [ids[1], 0],
      [ids[2], 1],
      [ids[0], 2],
    ]);
  });
});

describe('POST /api/assets/bulk: security', () => {
  it('decides each item as the single route: viewer refused, editor may tag, stranger and unknown ids look alike', async () => {
    const w = await buildWorld();
    const unknown = uid();
    const own = await withDb((db) => createAsset(db, w.users.viewer));
    // Mixed batch: the viewer's own asset, one they may only view, one they cannot see, one that does not exist.
    const r = await expectStatus<Result>(
      await bulk(w.users.viewer, { action: 'trash', assetIds: [own, w.asset, w.publicAsset, unknown] }),
      200,
    );
    expect(codes(r)).toEqual(['ok', 'forbidden', 'forbidden', 'not_found']);
    expect(r.results[1]!.error!.message).toBe('Deleting an asset needs the manage permission.');
    const stranger = await expectStatus<Result>(await bulk(w.users.stranger, { action: 'trash', assetIds: [w.asset, unknown] }), 200);
    // Someone else's private asset and a made-up id: the same code and message.
    expect(stranger.results.map((x) => x.error)).toEqual([
      { code: 'not_found', message: 'No such asset.' },
      { code: 'not_found', message: 'No such asset.' },
    ]);
    expect((await deletedIds([w.asset]))[0]!.deletedAt).toBeNull();
    expect(codes(await expectStatus<Result>(await bulk(w.users.viewer, { action: 'tag', assetIds: [w.asset], tags: ['x'] }), 200))).toEqual(
      ['forbidden'],
    );
    expect(codes(await expectStatus<Result>(await bulk(w.users.editor, { action: 'tag', assetIds: [w.asset], tags: ['x'] }), 200))).toEqual(
      ['ok'],
    );
    expect(
      codes(await expectStatus<Result>(await bulk(w.users.expired, { action: 'tag', assetIds: [w.asset], tags: ['y'] }), 200)),
    ).toEqual(['not_found']);
    // The tag belongs to the asset's owner, not to the editor who set it.
    const owners = await withDb((db) =>
      db
        .select({ owner: tags.ownerId })
        .from(tags)
        .innerJoin(assetTags, eq(assetTags.tagId, tags.id))
        .where(eq(assetTags.assetId, w.asset)),
    );
    expect(owners.map((o) => o.owner)).toEqual([w.users.owner]);
  });

  it('lets only the owner restore, and a manager trash', async () => {
    const w = await buildWorld({ assetDeleted: true });
    expect(codes(await expectStatus<Result>(await bulk(w.users.manager, { action: 'restore', assetIds: [w.asset] }), 200))).toEqual([
      // A trashed asset is the owner's alone: everyone else gets not_found.
      'not_found',
    ]);
    expect(codes(await expectStatus<Result>(await bulk(w.users.owner, { action: 'restore', assetIds: [w.asset] }), 200))).toEqual(['ok']);
    expect(codes(await expectStatus<Result>(await bulk(w.users.manager, { action: 'trash', assetIds: [w.asset] }), 200))).toEqual(['ok']);
  });

  it('checks the collection first: no edit on it refuses the whole request', async () => {
    const w = await buildWorld();
    const own = await withDb((db) => createAsset(db, w.users.viewer));
    await expectStatus(await bulk(w.users.viewer, { action: 'add-to-collection', collectionId: w.collection, assetIds: [own] }), 403);
    await expectStatus(await bulk(w.users.stranger, { action: 'add-to-collection', collectionId: w.collection, assetIds: [own] }), 404);
    // An editor of the collection may add what they can see; what they cannot see is not_found.
    const r = await expectStatus<Result>(
      await bulk(w.users.editor, { action: 'add-to-collection', collectionId: w.collection, assetIds: [w.publicAsset, own] }),
      200,
    );
    expect(codes(r)).toEqual(['ok', 'not_found']);
  });

  it('refuses anonymous callers and bad bodies whole, writing nothing', async () => {
    const { user, ids } = await mine(1);
    const anon = await expectStatus(await bulk(null, { action: 'trash', assetIds: ids }), 401);
    expect(anon.error.code).toBeTruthy();
    const bad = async (json: unknown) => {
      const body = await expectStatus(await bulk(user, json), 400);
      expect(body.error).toMatchObject({ code: 'validation_failed' });
      expect(typeof body.error.requestId).toBe('string');
    };
    await bad({ action: 'trash', assetIds: Array.from({ length: 501 }, () => uid()) });
    await bad({ action: 'trash', assetIds: [ids[0], ids[0]!.toUpperCase()] });
    await bad({ action: 'trash', assetIds: ['not-a-uuid'] });
    await bad({ action: 'trash', assetIds: [] });
    await bad({ action: 'explode', assetIds: ids });
    await bad({ action: 'tag', assetIds: ids });
    await bad({ action: 'trash', assetIds: ids, extra: 1 });
    await bad({ action: 'add-to-collection', assetIds: ids });
    expect((await deletedIds(ids))[0]!.deletedAt).toBeNull();
    // 500 distinct ids is the limit: unknown ones are per-item not_found.
    const many = [ids[0]!, ...Array.from({ length: 499 }, () => uid())];
    const r = await expectStatus<Result>(await bulk(user, { action: 'trash', assetIds: many }), 200);
    expect(r.succeeded).toBe(1);
    expect(r.failed).toBe(499);
  });
});
