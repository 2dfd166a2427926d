/**
 * `accessibleCollections` (the SQL that lists collections) and the policy's
 * `collectionPermission` must agree, as test/node/access-policy-sql.test.ts
 * holds `accessibleAssets` to `assetPermission`: fast-check builds random
 * worlds (users, groups, orgs, memberships, public/private and live/deleted
 * collections, grants by user/group/org with random permissions and
 * expiries) and compares both answers for every caller and permission, on
 * PGlite and on PostgreSQL through the production driver.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import ws from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accessibleCollections } from '../../edge/library/visible-collections.ts';
import type { Database, DatabaseHandle } from '../../shared/db/database.ts';
import { applyMigrations } from '../../shared/db/migrate.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { openPgliteDatabase } from '../../shared/db/pglite.ts';
import * as s from '../../shared/db/schema.ts';
import { collectionPermission, includes, permissions, type GrantFacts, type Permission } from '../../shared/policy/access.ts';

const now = new Date('2026-11-25T12:00:00Z');
const U = 3, G = 2, O = 2, C = 4;
const uuid = (kind: number, i: number) => `00000000-0000-4000-8000-${String(kind).padStart(4, '0')}${String(i).padStart(8, '0')}`;
const userId = (i: number) => uuid(1, i);
const groupId = (i: number) => uuid(2, i);
const orgId = (i: number) => uuid(3, i);
const colId = (i: number) => uuid(5, i);

const expiry = fc.constantFrom<Date | null>(null, new Date(now.getTime() - 60_000), new Date(now.getTime() + 60_000));
const world = fc.record({
  groupMembers: fc.uniqueArray(fc.tuple(fc.nat(G - 1), fc.nat(U - 1)), { selector: (t) => t.join() }),
  orgMembers: fc.uniqueArray(fc.tuple(fc.nat(O - 1), fc.nat(U - 1)), { selector: (t) => t.join() }),
  collections: fc.array(fc.record({ owner: fc.nat(U - 1), pub: fc.boolean(), deleted: fc.boolean() }), { minLength: C, maxLength: C }),
  grants: fc.uniqueArray(
    fc.record({
      onCollection: fc.boolean(), // asset grants must never count for a collection
      resource: fc.nat(C - 1),
      principalType: fc.constantFrom('user' as const, 'group' as const, 'org' as const),
      principal: fc.nat(U - 1),
      permission: fc.constantFrom(...permissions),
      expiresAt: expiry,
    }),
    { selector: (g) => [g.onCollection, g.resource, g.principalType, g.principal % (g.principalType === 'user' ? U : g.principalType === 'group' ? G : O)].join() },
  ),
});
type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function grantFacts(w: World): GrantFacts[] {
  return w.grants.map((g) => ({
    resourceType: g.onCollection ? 'collection' : 'asset',
    // An asset grant whose id equals a collection's id: it must not reach the collection.
    resourceId: colId(g.resource),
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
  await db.insert(s.collections).values(w.collections.map((c, i) => ({
    id: colId(i), ownerId: userId(c.owner), name: 'c',
    visibility: c.pub ? ('public' as const) : ('private' as const), deletedAt: c.deleted ? now : null,
  })));
  const gs = grantFacts(w);
  if (gs.length) await db.insert(s.grants).values(gs);
}

function policySet(w: World, caller: number | null, need: Permission): string[] {
  const gs = grantFacts(w);
  return w.collections
    .map((c, i) => ({ id: colId(i), ownerId: userId(c.owner), visibility: c.pub ? ('public' as const) : ('private' as const), deletedAt: c.deleted ? now : null }))
    .filter((collection) =>
      includes(
        collectionPermission({
          collection,
          caller: caller === null ? null : {
            userId: userId(caller),
            groupIds: w.groupMembers.filter(([, u]) => u === caller).map(([g]) => groupId(g)),
            orgIds: w.orgMembers.filter(([, u]) => u === caller).map(([o]) => orgId(o)),
          },
          grants: gs,
          now,
        }),
        need,
      ))
    .map((c) => c.id)
    .sort();
}

async function sqlSet(db: Database, caller: number | null, need: Permission): Promise<string[]> {
  const rows = await db.select({ id: s.collections.id }).from(s.collections).where(accessibleCollections(caller === null ? null : userId(caller), now, need));
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
      const name = `colpolicy_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
      await admin.db.execute(sql.raw(`create database ${name}`));
      await admin.close();
      return openNeonDatabase({ url: inject('pgUrl').replace(/\/postgres$/, `/${name}`), ...opts, max: 1 });
    },
  },
];

const TABLES = 'grants, collections, group_members, org_members, groups, orgs, users';

describe.each(targets)('collection policy and SQL agree on $name', ({ driver, open }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await open();
    await applyMigrations(handle.db, driver);
  });
  afterAll(async () => handle?.close());

  it('for every caller and permission, on random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const db = handle.db;
        await db.execute(sql.raw(`truncate ${TABLES} cascade`));
        await insertWorld(db, w);
        for (const caller of [null, ...Array.from({ length: U }, (_, i) => i)]) {
          for (const need of permissions) {
            expect(await sqlSet(db, caller, need), `caller ${caller} ${need}`).toEqual(policySet(w, caller, need));
          }
        }
      }),
      { numRuns: driver === 'pglite' ? 60 : 25 },
    );
  });
});
