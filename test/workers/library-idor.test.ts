/**
 * Every library route through the shared IDOR matrix (support/idor.ts): the
 * owner, a group member and an org member (reached through grants), a
 * stranger, an anonymous caller and a link holder (no account: the library
 * API is the anonymous one for it) get exactly what the model allows. The
 * finer matrix — one caller per grant level, expired grants — is
 * library-security.test.ts.
 */
import { expect } from 'vitest';
import { grants } from '../../shared/db/schema.ts';
import { createAsset, withDb } from './support/fixtures.ts';
import { row, runIdorMatrix, type IdorContext, type IdorWorld } from './support/idor.ts';
import { seedCollection } from './support/sharing-api.ts';

const denied = { stranger: 404, anonymous: 401 } as const;

/** A fresh asset of the owner that the group manages (for rows that delete or trash it). */
const managedAsset =
  (deleted = false) =>
  async (w: IdorWorld) =>
    withDb(async (db) => {
      const id = await createAsset(db, w.ownerId, {
        orgId: w.orgId,
        ...(deleted ? { deletedAt: new Date(), purgeAfter: new Date(Date.now() + 86_400_000) } : {}),
      });
      await db.insert(grants).values({
        resourceType: 'asset',
        resourceId: id,
        principalType: 'group',
        principalId: w.groupId,
        permission: 'manage',
        grantedBy: w.ownerId,
      });
      return id;
    });

/** A fresh collection of the owner holding the world's shared asset, visible to the org. */
const orgCollection = async (w: IdorWorld) => {
  const id = await seedCollection(w.ownerId, [w.assetId], { orgId: w.orgId });
  await withDb((db) =>
    db.insert(grants).values({
      resourceType: 'collection',
      resourceId: id,
      principalType: 'org',
      principalId: w.orgId,
      permission: 'view',
      grantedBy: w.ownerId,
    }),
  );
  return id;
};

/** A list answer holds the shared asset for everyone but the stranger, the private one (when it matches) for the owner only. */
const listsShared = (privateMatches: boolean) => async (res: Response, c: IdorContext<unknown>) => {
  const ids = ((await res.json()) as { items: { id: string }[] }).items.map((i) => i.id);
  expect(ids.includes(c.assetId), c.role).toBe(c.role !== 'stranger');
  expect(ids.includes(c.privateAssetId), c.role).toBe(privateMatches && c.role === 'owner');
};

runIdorMatrix('library routes', [
  row({
    name: 'GET /api/assets/:id (shared)',
    method: 'GET',
    path: (c) => `/api/assets/${c.assetId}`,
    expect: { owner: 200, groupMember: 200, orgMember: 200, stranger: 404, anonymous: 404 },
  }),
  row({
    name: 'GET /api/assets/:id (private)',
    method: 'GET',
    path: (c) => `/api/assets/${c.privateAssetId}`,
    expect: { owner: 200, groupMember: 404, orgMember: 404, stranger: 404, anonymous: 404 },
  }),
  row({
    name: 'GET /api/assets/:id (group manages)',
    method: 'GET',
    path: (c) => `/api/assets/${c.managedAssetId}`,
    expect: { owner: 200, groupMember: 200, orgMember: 404, stranger: 404, anonymous: 404 },
  }),
  row({
    name: 'PATCH /api/assets/:id title (view only)',
    method: 'PATCH',
    path: (c) => `/api/assets/${c.assetId}`,
    body: () => ({ title: 'x' }),
    expect: { owner: 200, groupMember: 403, orgMember: 403, ...denied },
  }),
  row({
    name: 'PATCH /api/assets/:id visibility (manage)',
    method: 'PATCH',
    path: (c) => `/api/assets/${c.managedAssetId}`,
    body: () => ({ visibility: 'private' }),
    expect: { owner: 200, groupMember: 200, orgMember: 404, ...denied },
  }),
  row({
    name: 'PUT /api/assets/:id/tags',
    method: 'PUT',
    path: (c) => `/api/assets/${c.assetId}/tags`,
    body: () => ({ tags: ['t'] }),
    expect: { owner: 200, groupMember: 403, orgMember: 403, ...denied },
  }),
  row({
    name: 'DELETE /api/assets/:id',
    method: 'DELETE',
    setup: managedAsset(),
    path: (c) => `/api/assets/${c.fresh}`,
    expect: { owner: 204, groupMember: 204, orgMember: 404, ...denied },
  }),
  row({
    name: 'POST /api/assets/:id/restore',
    method: 'POST',
    setup: managedAsset(true),
    path: (c) => `/api/assets/${c.fresh}/restore`,
    expect: { owner: 200, groupMember: 404, orgMember: 404, ...denied },
  }),
  row({
    name: 'POST /api/assets/:id/purge',
    method: 'POST',
    setup: managedAsset(true),
    path: (c) => `/api/assets/${c.fresh}/purge`,
    expect: { owner: 202, groupMember: 404, orgMember: 404, ...denied },
  }),
  row({
    name: 'GET /api/assets?scope=all',
    method: 'GET',
    path: () => '/api/assets?scope=all&limit=100',
    expect: { owner: 200, groupMember: 200, orgMember: 200, stranger: 200, anonymous: 401 },
    check: listsShared(true),
  }),
  row({
    name: 'GET /api/search',
    method: 'GET',
    path: () => '/api/search?q=shared.jpg&limit=100',
    expect: { owner: 200, groupMember: 200, orgMember: 200, stranger: 200, anonymous: 401 },
    check: listsShared(false),
  }),
  row({
    name: 'GET /api/trash',
    method: 'GET',
    path: () => '/api/trash',
    expect: { owner: 200, groupMember: 200, orgMember: 200, stranger: 200, anonymous: 401 },
  }),
  row({
    name: 'GET /api/tags',
    method: 'GET',
    path: () => '/api/tags',
    expect: { owner: 200, groupMember: 200, orgMember: 200, stranger: 200, anonymous: 401 },
  }),
  row({
    name: 'GET /api/collections',
    method: 'GET',
    path: () => '/api/collections?scope=all',
    expect: { owner: 200, groupMember: 200, orgMember: 200, stranger: 200, anonymous: 401 },
  }),
  row({
    name: 'POST /api/collections',
    method: 'POST',
    path: () => '/api/collections',
    body: () => ({ name: 'mine' }),
    expect: { owner: 201, groupMember: 201, orgMember: 201, stranger: 201, anonymous: 401 },
  }),
  row({
    name: 'GET /api/collections/:id',
    method: 'GET',
    path: (c) => `/api/collections/${c.collectionId}`,
    expect: { owner: 200, groupMember: 200, orgMember: 200, stranger: 404, anonymous: 404 },
  }),
  row({
    name: 'PATCH /api/collections/:id',
    method: 'PATCH',
    path: (c) => `/api/collections/${c.collectionId}`,
    body: () => ({ name: 'renamed' }),
    expect: { owner: 200, groupMember: 403, orgMember: 403, ...denied },
  }),
  row({
    name: 'DELETE /api/collections/:id',
    method: 'DELETE',
    setup: orgCollection,
    path: (c) => `/api/collections/${c.fresh}`,
    expect: { owner: 204, groupMember: 403, orgMember: 403, ...denied },
  }),
  row({
    name: 'POST /api/collections/:id/items',
    method: 'POST',
    setup: orgCollection,
    path: (c) => `/api/collections/${c.fresh}/items`,
    body: (c) => ({ assetId: c.privateAssetId }),
    expect: { owner: 201, groupMember: 403, orgMember: 403, ...denied },
  }),
  row({
    name: 'DELETE /api/collections/:id/items/:assetId',
    method: 'DELETE',
    setup: orgCollection,
    path: (c) => `/api/collections/${c.fresh}/items/${c.assetId}`,
    expect: { owner: 204, groupMember: 403, orgMember: 403, ...denied },
  }),
  row({
    name: 'PUT /api/collections/:id/items/order',
    method: 'PUT',
    path: (c) => `/api/collections/${c.collectionId}/items/order`,
    body: (c) => ({ assetIds: [c.assetId] }),
    expect: { owner: 204, groupMember: 403, orgMember: 403, ...denied },
  }),
]);
