/**
 * Collections, happy paths: create, list, read with a page of items in
 * order, change, delete; items added at the end or at a position, removed
 * (positions close up), reordered (items the caller cannot see keep their
 * order after the rest).
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, collectionItems, collections, grants, groupMembers, groups, orgMembers, orgs } from '../../shared/db/schema.ts';
import { createAsset, createUser, withDb } from './support/fixtures.ts';
import { api, expectStatus } from './support/library-world.ts';

async function setup(n: number) {
  return withDb(async (db) => {
    const user = await createUser(db, 'curator');
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await createAsset(db, user, { filename: `a${i}.jpg` }));
    return { user, ids };
  });
}

const itemIds = async (collection: string, as: string, limit = 100) => {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const body: { items: { id: string; position: number }[]; nextCursor: string | null } = await expectStatus(
      await api('GET', `/api/collections/${collection}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { as }),
      200,
    );
    out.push(...body.items.map((i) => i.id));
    cursor = body.nextCursor;
  } while (cursor);
  return out;
};

const positions = (collection: string) =>
  withDb((db) =>
    db
      .select({ assetId: collectionItems.assetId, position: collectionItems.position })
      .from(collectionItems)
      .where(eq(collectionItems.collectionId, collection)),
  );

describe('collections', () => {
  it("lists each collection with the caller's permission, as the policy decides it", async () => {
    const w = await withDb(async (db) => {
      const owner = await createUser(db, 'owner');
      const me = await createUser(db, 'me');
      const [org] = await db
        .insert(orgs)
        .values({ name: 'o', slug: `o-${crypto.randomUUID()}` })
        .returning();
      const [group] = await db.insert(groups).values({ orgId: org!.id, name: 'g' }).returning();
      await db.insert(orgMembers).values({ orgId: org!.id, userId: me });
      await db.insert(groupMembers).values({ groupId: group!.id, userId: me });
      const mk = async (name: string, visibility: 'private' | 'public' = 'private') =>
        (
          await db
            .insert(collections)
            .values({ ownerId: owner, name, visibility, visibilitySetBy: visibility === 'public' ? owner : null })
            .returning()
        )[0]!.id;
      const viaGroup = await mk('via group');
      const expired = await mk('expired grant');
      const pub = await mk('public', 'public');
      const mine = (await db.insert(collections).values({ ownerId: me, name: 'mine' }).returning())[0]!.id;
      await db.insert(grants).values([
        {
          resourceType: 'collection',
          resourceId: viaGroup,
          principalType: 'group',
          principalId: group!.id,
          permission: 'edit',
          grantedBy: owner,
        },
        { resourceType: 'collection', resourceId: pub, principalType: 'user', principalId: me, permission: 'download', grantedBy: owner },
        {
          resourceType: 'collection',
          resourceId: expired,
          principalType: 'user',
          principalId: me,
          permission: 'manage',
          expiresAt: new Date(Date.now() - 60_000),
          grantedBy: owner,
        },
      ]);
      return { me, viaGroup, pub, mine, expired };
    });
    const list = await expectStatus<{ items: { id: string; permission: string }[] }>(
      await api('GET', '/api/collections?scope=all&limit=100', { as: w.me }),
      200,
    );
    const byId = Object.fromEntries(list.items.map((c) => [c.id, c.permission]));
    expect(byId[w.mine]).toBe('manage');
    expect(byId[w.viaGroup]).toBe('edit');
    expect(byId[w.pub]).toBe('download');
    expect(byId[w.expired]).toBeUndefined();
  });

  it('creates, lists, reads, renames and deletes', async () => {
    const { user } = await setup(0);
    const created = await expectStatus(
      await api('POST', '/api/collections', { as: user, json: { name: '  Holiday  ', description: 'Summer' } }),
      201,
    );
    expect(created).toMatchObject({ name: 'Holiday', description: 'Summer', visibility: 'private', ownerId: user });
    const second = await expectStatus(
      await api('POST', '/api/collections', { as: user, json: { name: 'Work', visibility: 'public' } }),
      201,
    );
    const list = await expectStatus(await api('GET', '/api/collections?limit=1', { as: user }), 200);
    expect(list.items.map((c: { id: string }) => c.id)).toEqual([second.id]);
    const next = await expectStatus(await api('GET', `/api/collections?limit=1&cursor=${list.nextCursor}`, { as: user }), 200);
    expect(next.items.map((c: { id: string }) => c.id)).toEqual([created.id]);
    expect(next.nextCursor).toBeNull();

    const read = await expectStatus(await api('GET', `/api/collections/${created.id}`, { as: user }), 200);
    expect(read).toMatchObject({ id: created.id, permission: 'manage', items: [], nextCursor: null });
    const renamed = await expectStatus(
      await api('PATCH', `/api/collections/${created.id}`, { as: user, json: { name: 'Holidays', description: null } }),
      200,
    );
    expect(renamed).toMatchObject({ name: 'Holidays', description: null });
    await expectStatus(await api('PATCH', `/api/collections/${created.id}`, { as: user, json: { visibility: 'public' } }), 200);

    await expectStatus(await api('DELETE', `/api/collections/${created.id}`, { as: user }), 204);
    expect((await api('GET', `/api/collections/${created.id}`, { as: user })).status).toBe(404);
    const after = await expectStatus(await api('GET', '/api/collections', { as: user }), 200);
    expect(after.items.map((c: { id: string }) => c.id)).toEqual([second.id]);
    const audit = await withDb((db) => db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.resourceId, created.id)));
    expect(audit.map((a) => a.action).sort()).toEqual(['collection.delete', 'collection.visibility_changed']);
  });

  it('adds items at the end or at a position, pages them in order, removes and closes the gap', async () => {
    const { user, ids } = await setup(5);
    const col = await expectStatus(await api('POST', '/api/collections', { as: user, json: { name: 'Ordered' } }), 201);
    const add = (assetId: string, position?: number) =>
      api('POST', `/api/collections/${col.id}/items`, { as: user, json: position === undefined ? { assetId } : { assetId, position } });
    expect(await expectStatus(await add(ids[0]!), 201)).toEqual({ collectionId: col.id, assetId: ids[0], position: 0 });
    await expectStatus(await add(ids[1]!), 201);
    await expectStatus(await add(ids[2]!, 0), 201); // front
    await expectStatus(await add(ids[3]!, 2), 201); // middle
    await expectStatus(await add(ids[4]!, 99), 201); // past the end: appended
    const order = [ids[2], ids[0], ids[3], ids[1], ids[4]];
    expect(await itemIds(col.id, user, 2)).toEqual(order);
    expect((await add(ids[0]!)).status).toBe(409); // already there

    await expectStatus(await api('DELETE', `/api/collections/${col.id}/items/${ids[3]}`, { as: user }), 204);
    expect((await api('DELETE', `/api/collections/${col.id}/items/${ids[3]}`, { as: user })).status).toBe(404);
    expect(await itemIds(col.id, user)).toEqual([ids[2], ids[0], ids[1], ids[4]]);
    expect((await positions(col.id)).map((p) => p.position).sort()).toEqual([0, 1, 2, 3]);

    // Items list the asset summaries with their positions; a trashed asset drops out of view.
    await expectStatus(await api('DELETE', `/api/assets/${ids[0]}`, { as: user }), 204);
    const read = await expectStatus(await api('GET', `/api/collections/${col.id}`, { as: user }), 200);
    expect(read.items.map((i: { id: string; position: number }) => [i.id, i.position])).toEqual([
      [ids[2], 0],
      [ids[1], 2],
      [ids[4], 3],
    ]);
  });

  it('reorders the items the caller can see; hidden items keep their order after them', async () => {
    const w = await withDb(async (db) => {
      const owner = await createUser(db, 'owner');
      const editor = await createUser(db, 'editor');
      const a = await createAsset(db, owner);
      const b = await createAsset(db, owner);
      const third = await createUser(db, 'third');
      const hidden = await createAsset(db, third);
      const c = await createAsset(db, owner);
      return { owner, editor, a, b, third, hidden, c };
    });
    const col = await expectStatus(await api('POST', '/api/collections', { as: w.owner, json: { name: 'Shared' } }), 201);
    for (const id of [w.a, w.b, w.c])
      await expectStatus(await api('POST', `/api/collections/${col.id}/items`, { as: w.owner, json: { assetId: id } }), 201);
    // An item the collection's owner cannot see, added by its own owner (so the collection shares it), at position 1.
    await withDb(async (db) => {
      await db.update(collectionItems).set({ position: 3 }).where(eq(collectionItems.assetId, w.c));
      await db.update(collectionItems).set({ position: 2 }).where(eq(collectionItems.assetId, w.b));
      await db.insert(collectionItems).values({ collectionId: col.id, assetId: w.hidden, position: 1, addedBy: w.third });
      await db.insert(grants).values({
        resourceType: 'collection',
        resourceId: col.id,
        principalType: 'user',
        principalId: w.editor,
        permission: 'edit',
        grantedBy: w.owner,
      });
    });
    const reorder = (as: string, assetIds: string[]) => api('PUT', `/api/collections/${col.id}/items/order`, { as, json: { assetIds } });
    expect((await reorder(w.owner, [w.c, w.a])).status).toBe(409); // not every visible item
    expect((await reorder(w.owner, [w.c, w.a, w.b, w.hidden])).status).toBe(409); // names a hidden one
    expect((await reorder(w.owner, [w.c, w.a, w.a])).status).toBe(409); // a duplicate
    await expectStatus(await reorder(w.owner, [w.c, w.a, w.b]), 204);
    const byPos = (await positions(col.id)).sort((x, y) => x.position - y.position).map((p) => p.assetId);
    expect(byPos).toEqual([w.c, w.a, w.b, w.hidden]);
    // The editor sees every item through the collection grant, the hidden one too.
    expect(await itemIds(col.id, w.editor)).toEqual([w.c, w.a, w.b, w.hidden]);
    expect(await itemIds(col.id, w.owner)).toEqual([w.c, w.a, w.b]);
    await expectStatus(await reorder(w.editor, [w.hidden, w.b, w.a, w.c]), 204);
    expect(await itemIds(col.id, w.owner)).toEqual([w.b, w.a, w.c]);
    // The owner may remove the item it cannot see (manage); an editor could not remove one hidden from it.
    await expectStatus(await api('DELETE', `/api/collections/${col.id}/items/${w.hidden}`, { as: w.owner }), 204);
  });
});
