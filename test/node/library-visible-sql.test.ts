/**
 * The library's list filter (edge/library/visible-live-assets.ts) puts a
 * cheap candidate condition in front of `accessibleAssets`. It must never
 * hide what the policy allows: on random worlds (users, groups, orgs,
 * memberships, public/private/trashed assets, live/deleted collections with
 * items, grants by user/group/org on assets and collections with random
 * permissions and expiries) the filter gives exactly the live assets
 * `canAccessAsset(view)` allows, per scope, on PGlite and on PostgreSQL
 * through the production driver.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import ws from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { visibleLiveAssets, type Scope } from '../../edge/library/visible-live-assets.ts';
import type { Database, DatabaseHandle } from '../../shared/db/database.ts';
import { applyMigrations } from '../../shared/db/migrate.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { openPgliteDatabase } from '../../shared/db/pglite.ts';
import * as s from '../../shared/db/schema.ts';
import { canAccessAsset, permissions, type GrantFacts } from '../../shared/policy/access.ts';

const now = new Date('2026-11-25T12:00:00Z');
const U = 3, G = 2, O = 2, A = 6, C = 2;
const uuid = (kind: number, i: number) => `00000000-0000-4000-8000-${String(kind).padStart(4, '0')}${String(i).padStart(8, '0')}`;
const userId = (i: number) => uuid(1, i);
const groupId = (i: number) => uuid(2, i);
const orgId = (i: number) => uuid(3, i);
const assetId = (i: number) => uuid(4, i);
const colId = (i: number) => uuid(5, i);

const expiry = fc.constantFrom<Date | null>(null, new Date(now.getTime() - 60_000), new Date(now.getTime() + 60_000));
const world = fc.record({
  groupMembers: fc.uniqueArray(fc.tuple(fc.nat(G - 1), fc.nat(U - 1)), { selector: (t) => t.join() }),
  orgMembers: fc.uniqueArray(fc.tuple(fc.nat(O - 1), fc.nat(U - 1)), { selector: (t) => t.join() }),
  assets: fc.array(fc.record({ owner: fc.nat(U - 1), pub: fc.boolean(), deleted: fc.boolean() }), { minLength: A, maxLength: A }),
  collections: fc.array(fc.record({ owner: fc.nat(U - 1), deleted: fc.boolean() }), { minLength: C, maxLength: C }),
  items: fc.uniqueArray(fc.tuple(fc.nat(C - 1), fc.nat(A - 1)), { selector: (t) => t.join() }),
  grants: fc.uniqueArray(
    fc.record({
      onCollection: fc.boolean(),
      resource: fc.nat(A - 1),
      principalType: fc.constantFrom('user' as const, 'group' as const, 'org' as const),
      principal: fc.nat(U - 1),
      permission: fc.constantFrom(...permissions),
      expiresAt: expiry,
    }),
    { selector: (g) => [g.onCollection, g.resource % (g.onCollection ? C : A), g.principalType, g.principal % (g.principalType === 'user' ? U : g.principalType === 'group' ? G : O)].join() },
  ),
});
type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function grantFacts(w: World): GrantFacts[] {
  return w.grants.map((g) => ({
    resourceType: g.onCollection ? 'collection' : 'asset',
    resourceId: g.onCollection ? colId(g.resource % C) : assetId(g.resource % A),
    principalType: g.principalType,
    principalId: g.principalType === 'user' ? userId(g.principal % U) : g.principalType === 'group' ? groupId(g.principal % G) : orgId(g.principal % O),
    permission: g.permission,
    expiresAt: g.expiresAt,
  }));
}

async function insertWorld(db: Database, w: World) {
  await db.insert(s.users).values(Array.from({ length: U }, (_, i) => ({ id: userId(i), email: `${userId(i)}@x.test`, name: 'u', passwordHash: 'x' })));
  await db.insert(s.orgs).values(Array.from({ length: O }, (_, i) => ({ id: orgId(i), name: 'o', slug: orgId(i) })));
  await db.insert(s.groups).values(Array.from({ length: G }, (_, i) => ({ id: groupId(i), orgId: orgId(0), name: `g${i}` })));
  if (w.groupMembers.length) await db.insert(s.groupMembers).values(w.groupMembers.map(([g, u]) => ({ groupId: groupId(g), userId: userId(u) })));
  if (w.orgMembers.length) await db.insert(s.orgMembers).values(w.orgMembers.map(([o, u]) => ({ orgId: orgId(o), userId: userId(u) })));
  await db.insert(s.assets).values(w.assets.map((a, i) => ({
    id: assetId(i), ownerId: userId(a.owner), filename: 'f', declaredType: 'image/png', size: 1,
    visibility: a.pub ? ('public' as const) : ('private' as const), deletedAt: a.deleted ? new Date(now.getTime() - 1000) : null,
  })));
  await db.insert(s.collections).values(w.collections.map((c, i) => ({ id: colId(i), ownerId: userId(c.owner), name: 'c', deletedAt: c.deleted ? now : null })));
  if (w.items.length) await db.insert(s.collectionItems).values(w.items.map(([c, a], i) => ({ collectionId: colId(c), assetId: assetId(a), position: i })));
  const gs = grantFacts(w);
  if (gs.length) await db.insert(s.grants).values(gs);
}

/** The policy's answer: live assets the caller may view, in the scope. */
function policySet(w: World, caller: number | null, scope: Scope): string[] {
  const gs = grantFacts(w);
  return w.assets
    .map((a, i) => ({
      id: assetId(i),
      ownerId: userId(a.owner),
      visibility: a.pub ? ('public' as const) : ('private' as const),
      deletedAt: a.deleted ? new Date(now.getTime() - 1000) : null,
      collectionIds: w.items.filter(([c, ai]) => ai === i && !w.collections[c]!.deleted).map(([c]) => colId(c)),
    }))
    .filter((asset) => asset.deletedAt === null)
    .filter((asset) => caller === null || scope === 'all' || (scope === 'mine') === (asset.ownerId === userId(caller)))
    .filter((asset) =>
      canAccessAsset({
        asset,
        caller: caller === null ? null : {
          userId: userId(caller),
          groupIds: w.groupMembers.filter(([, u]) => u === caller).map(([g]) => groupId(g)),
          orgIds: w.orgMembers.filter(([, u]) => u === caller).map(([o]) => orgId(o)),
        },
        grants: gs,
        now,
      }, 'view'))
    .map((a) => a.id)
    .sort();
}

async function sqlSet(db: Database, caller: number | null, scope: Scope): Promise<string[]> {
  const rows = await db.select({ id: s.assets.id }).from(s.assets).where(visibleLiveAssets(caller === null ? null : userId(caller), now, scope));
  return rows.map((r) => r.id).sort();
}

const targets = [
  { name: 'PGlite', driver: 'pglite' as const, open: () => openPgliteDatabase() },
  {
    name: 'PostgreSQL via @neondatabase/serverless',
    driver: 'neon' as const,
    async open(): Promise<DatabaseHandle> {
      const opts = { wsProxy: inject('pgWsProxy'), secure: false, webSocketConstructor: ws };
      const admin = openNeonDatabase({ url: inject('pgUrl'), ...opts });
      const name = `visible_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
      await admin.db.execute(sql.raw(`create database ${name}`));
      await admin.close();
      return openNeonDatabase({ url: inject('pgUrl').replace(/\/postgres$/, `/${name}`), ...opts, max: 1 });
    },
  },
];

const TABLES = 'grants, collection_items, collections, assets, group_members, org_members, groups, orgs, users';
const SCOPES: Scope[] = ['mine', 'shared', 'all'];

describe.each(targets)('library list filter and policy agree on $name', ({ driver, open }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await open();
    await applyMigrations(handle.db, driver);
  });
  afterAll(async () => handle?.close());

  it('for every caller and scope, on random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const db = handle.db;
        await db.execute(sql.raw(`truncate ${TABLES} cascade`));
        await insertWorld(db, w);
        for (const caller of [null, ...Array.from({ length: U }, (_, i) => i)]) {
          for (const scope of SCOPES) {
            expect(await sqlSet(db, caller, scope), `caller ${caller} ${scope}`).toEqual(policySet(w, caller, scope));
          }
        }
      }),
      { numRuns: driver === 'pglite' ? 60 : 25 },
    );
  });
});
