/**
 * The library routes against the access model: for every route, the owner,
 * a stranger, users with a view / download / edit / manage grant, a group
 * member, an org member reached through a collection grant, a user whose
 * grant expired and an anonymous caller get exactly what the model allows.
 * Plus: lists never leak, soft delete hides from everyone but the owner's
 * trash, purge requests are owner-only and audited.
 */
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { assets, auditLog } from '../../shared/db/schema.ts';
import { createAsset, createUser, withDb } from './support/fixtures.ts';
import {
  ACTORS,
  ASSET_PERMISSION,
  COLLECTION_PERMISSION,
  api,
  buildWorld,
  byPermission,
  expectStatus,
  idorMatrix,
  userOf,
  type Actor,
} from './support/library-world.ts';

const everyone = (status: number, overrides: Partial<Record<Actor, number>> = {}) =>
  ({ ...Object.fromEntries(ACTORS.map((a) => [a, status])), ...overrides }) as Record<Actor, number>;

idorMatrix('IDOR matrix: assets', [
  {
    name: 'GET /api/assets/:id — view or 404 (never 403: a private asset is not revealed)',
    request: (w) => ({ method: 'GET', path: `/api/assets/${w.asset}` }),
    expect: byPermission(ASSET_PERMISSION, 'view', 200, 404),
    async check(res, actor) {
      const body = (await res.json()) as { permission: string; media: { variant: string }[] };
      expect(body.permission).toBe(ASSET_PERMISSION[actor]);
    },
  },
  {
    name: 'PATCH title — edit',
    fresh: true,
    request: (w) => ({ method: 'PATCH', path: `/api/assets/${w.asset}`, json: { title: 'Renamed' } }),
    expect: byPermission(ASSET_PERMISSION, 'edit', 200),
  },
  {
    name: 'PATCH visibility — manage',
    fresh: true,
    request: (w) => ({ method: 'PATCH', path: `/api/assets/${w.asset}`, json: { visibility: 'public' } }),
    expect: byPermission(ASSET_PERMISSION, 'manage', 200),
  },
  {
    name: 'DELETE — manage',
    fresh: true,
    request: (w) => ({ method: 'DELETE', path: `/api/assets/${w.asset}` }),
    expect: byPermission(ASSET_PERMISSION, 'manage', 204),
  },
  {
    name: 'PUT tags — edit',
    fresh: true,
    request: (w) => ({ method: 'PUT', path: `/api/assets/${w.asset}/tags`, json: { tags: ['x'] } }),
    expect: byPermission(ASSET_PERMISSION, 'edit', 200),
  },
  {
    name: 'POST restore of a live asset — owner 409 (nothing to restore), others with access 403',
    request: (w) => ({ method: 'POST', path: `/api/assets/${w.asset}/restore` }),
    expect: { ...byPermission(ASSET_PERMISSION, 'view', 403), owner: 409 },
  },
  {
    name: 'POST restore from the trash — owner only; the trash is invisible to everyone else',
    fresh: true,
    world: { assetDeleted: true },
    request: (w) => ({ method: 'POST', path: `/api/assets/${w.asset}/restore` }),
    expect: everyone(404, { owner: 200, anonymous: 401 }),
  },
  {
    name: 'POST purge from the trash — owner only',
    fresh: true,
    world: { assetDeleted: true },
    request: (w) => ({ method: 'POST', path: `/api/assets/${w.asset}/purge` }),
    expect: everyone(404, { owner: 202, anonymous: 401 }),
  },
  {
    name: 'POST purge of a live asset — owner 409 (delete it first), others with access 403',
    request: (w) => ({ method: 'POST', path: `/api/assets/${w.asset}/purge` }),
    expect: { ...byPermission(ASSET_PERMISSION, 'view', 403), owner: 409 },
  },
  {
    name: 'GET a trashed asset — owner only',
    world: { assetDeleted: true },
    request: (w) => ({ method: 'GET', path: `/api/assets/${w.asset}` }),
    expect: everyone(404, { owner: 200 }),
  },
]);

idorMatrix('IDOR matrix: collections', [
  {
    name: 'GET /api/collections/:id — view or 404',
    request: (w) => ({ method: 'GET', path: `/api/collections/${w.collection}` }),
    expect: byPermission(COLLECTION_PERMISSION, 'view', 200, 404),
    async check(res, actor, w) {
      const body = (await res.json()) as { permission: string; items: { id: string }[] };
      expect(body.permission).toBe(COLLECTION_PERMISSION[actor]);
      // Every caller who sees the collection here may also view its item.
      expect(body.items.map((i) => i.id)).toEqual(ASSET_PERMISSION[actor] ? [w.asset] : []);
    },
  },
  {
    name: 'PATCH name — edit',
    fresh: true,
    request: (w) => ({ method: 'PATCH', path: `/api/collections/${w.collection}`, json: { name: 'New name' } }),
    expect: byPermission(COLLECTION_PERMISSION, 'edit', 200),
  },
  {
    name: 'PATCH visibility — manage',
    fresh: true,
    request: (w) => ({ method: 'PATCH', path: `/api/collections/${w.collection}`, json: { visibility: 'public' } }),
    expect: byPermission(COLLECTION_PERMISSION, 'manage', 200),
  },
  {
    name: 'DELETE — manage',
    fresh: true,
    request: (w) => ({ method: 'DELETE', path: `/api/collections/${w.collection}` }),
    expect: byPermission(COLLECTION_PERMISSION, 'manage', 204),
  },
  {
    name: 'POST items (a public asset) — edit on the collection',
    fresh: true,
    request: (w) => ({ method: 'POST', path: `/api/collections/${w.collection}/items`, json: { assetId: w.publicAsset } }),
    expect: byPermission(COLLECTION_PERMISSION, 'edit', 201),
  },
  {
    name: 'DELETE an item — edit on the collection',
    fresh: true,
    request: (w) => ({ method: 'DELETE', path: `/api/collections/${w.collection}/items/${w.asset}` }),
    expect: byPermission(COLLECTION_PERMISSION, 'edit', 204),
  },
  {
    name: 'PUT items/order — edit on the collection',
    fresh: true,
    request: (w) => ({ method: 'PUT', path: `/api/collections/${w.collection}/items/order`, json: { assetIds: [w.asset] } }),
    expect: byPermission(COLLECTION_PERMISSION, 'edit', 204),
  },
]);

describe('IDOR: adding an asset the caller cannot view', () => {
  it('is a 404 even with edit on the collection (the asset is not revealed)', async () => {
    const w = await buildWorld();
    const hidden = await withDb(async (db) => createAsset(db, await createUser(db, 'other')));
    for (const actor of ['owner', 'editor', 'manager'] as const) {
      const res = await api('POST', `/api/collections/${w.collection}/items`, { as: w.users[actor], json: { assetId: hidden } });
      expect(res.status, actor).toBe(404);
    }
  });
});

describe('lists and search show exactly what the model allows', () => {
  it('GET /api/assets?scope=shared, /api/search and /api/collections contain the world only for its readers', async () => {
    const w = await buildWorld();
    const word = `zebrafish${crypto.randomUUID().slice(0, 8)}`;
    await withDb((db) => db.update(assets).set({ title: word }).where(eq(assets.id, w.asset)));
    for (const actor of ACTORS) {
      const as = userOf(w, actor);
      const list = await api('GET', '/api/assets?scope=all&limit=100', { as });
      const search = await api('GET', `/api/search?q=${word}`, { as });
      const cols = await api('GET', '/api/collections?scope=all&limit=100', { as });
      if (actor === 'anonymous') {
        expect([list.status, search.status, cols.status]).toEqual([401, 401, 401]);
        continue;
      }
      const ids = (r: { items: { id: string }[] }) => r.items.map((i) => i.id);
      const listed = ids(await expectStatus(list, 200));
      const found = ids(await expectStatus(search, 200));
      const colIds = ids(await expectStatus(cols, 200));
      const seesAsset = ASSET_PERMISSION[actor] !== null;
      expect(listed.includes(w.asset), `${actor} list`).toBe(seesAsset);
      expect(found, `${actor} search`).toEqual(seesAsset ? [w.asset] : []);
      expect(colIds.includes(w.collection), `${actor} collections`).toBe(COLLECTION_PERMISSION[actor] !== null);
    }
  });

  it('filtering by a collection the caller cannot see is a 404', async () => {
    const w = await buildWorld();
    const res = await api('GET', `/api/assets?collectionId=${w.collection}`, { as: w.users.stranger });
    expect(res.status).toBe(404);
    const ok = await expectStatus(await api('GET', `/api/assets?scope=all&collectionId=${w.collection}`, { as: w.users.orgMember }), 200);
    expect(ok.items.map((i: { id: string }) => i.id)).toEqual([w.asset]);
  });
});

describe('soft delete', () => {
  it("hides the asset from every reader but the owner's trash, and restore brings it back", async () => {
    const w = await buildWorld();
    await expectStatus(await api('DELETE', `/api/assets/${w.asset}`, { as: w.users.manager }), 204);
    for (const actor of ACTORS) {
      const as = userOf(w, actor);
      expect((await api('GET', `/api/assets/${w.asset}`, { as })).status, actor).toBe(actor === 'owner' ? 200 : 404);
      if (as) {
        const list = await expectStatus(await api('GET', '/api/assets?scope=all&limit=100', { as }), 200);
        expect(
          list.items.some((i: { id: string }) => i.id === w.asset),
          actor,
        ).toBe(false);
        const col = await api('GET', `/api/collections/${w.collection}`, { as });
        if (col.status === 200) expect(((await col.json()) as { items: unknown[] }).items, actor).toEqual([]);
        const trash = await expectStatus(await api('GET', '/api/trash', { as }), 200);
        expect(
          trash.items.some((i: { id: string }) => i.id === w.asset),
          actor,
        ).toBe(actor === 'owner');
      }
    }
    // The manager's delete is audited; the asset is the owner's to restore.
    const rows = await withDb((db) =>
      db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.resourceId, w.asset), eq(auditLog.action, 'asset.delete'))),
    );
    expect(rows.map((r) => r.actorId)).toEqual([w.users.manager]);
    await expectStatus(await api('POST', `/api/assets/${w.asset}/restore`, { as: w.users.owner }), 200);
    expect((await api('GET', `/api/assets/${w.asset}`, { as: w.users.viewer })).status).toBe(200);
  });
});

describe('purge request', () => {
  it('is owner-only, needs the trash, sets purge_after to now and is audited', async () => {
    const w = await buildWorld({ assetDeleted: true });
    const before = Date.now();
    const res = await api('POST', `/api/assets/${w.asset}/purge`, { as: w.users.owner });
    const body = await expectStatus(res, 202);
    expect(body.id).toBe(w.asset);
    const [row] = await withDb((db) => db.select().from(assets).where(eq(assets.id, w.asset)));
    expect(row!.deletedAt).not.toBeNull();
    expect(row!.purgeAfter!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(row!.purgeAfter!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const audits = await withDb((db) =>
      db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.resourceId, w.asset), eq(auditLog.action, 'asset.purge_requested'))),
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]!.actorId).toBe(w.users.owner);
    expect(audits[0]!.requestId).toBeTruthy();
    // Once requested, the purge is not undone by a restore.
    expect((await api('POST', `/api/assets/${w.asset}/restore`, { as: w.users.owner })).status).toBe(409);
  });

  it('refuses a bad or foreign bearer token with 401, not a silent anonymous answer', async () => {
    const w = await buildWorld();
    const res = await api('GET', `/api/assets/${w.asset}`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(res.status).toBe(401);
  });
});
