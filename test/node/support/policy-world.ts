/**
 * Random access worlds for the property tests that hold the SQL filters to
 * the policy in shared/policy/access.ts (access-policy-sql, library-visible-sql,
 * library-collections-sql): users, groups, orgs, memberships, public/private
 * and trashed assets, live/deleted public/private collections with items,
 * and grants by user, group or org on assets and collections with random
 * permissions and expiries (past, future, none). Every decision has an author
 * (a grant's grantor, an item's adder, whoever made a resource public): the
 * resource's owner or any user, so chains of managers, rings without an
 * anchor and curation by non-sharers all occur. One generator, one writer,
 * and the same facts for the policy side, so the three suites test the same
 * worlds the same way.
 */
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import type { Database, DatabaseHandle } from '../../../shared/db/database.ts';
import * as s from '../../../shared/db/schema.ts';
import { permissions, type GrantFacts } from '../../../shared/policy/access.ts';
import { openMigratedDatabase } from './test-database.ts';

export const now = new Date('2026-11-25T12:00:00Z');
const uuid = (kind: number, i: number) => `00000000-0000-4000-8000-${String(kind).padStart(4, '0')}${String(i).padStart(8, '0')}`;
export const userId = (i: number) => uuid(1, i);
export const groupId = (i: number) => uuid(2, i);
export const orgId = (i: number) => uuid(3, i);
export const assetId = (i: number) => uuid(4, i);
export const colId = (i: number) => uuid(5, i);

export interface Sizes {
  users: number;
  groups: number;
  orgs: number;
  /** 0: no assets; asset grants then name collection ids (and must never reach those collections). */
  assets: number;
  collections: number;
}

export function worldOf(n: Sizes) {
  const expiry = fc.constantFrom<Date | null>(null, new Date(now.getTime() - 60_000), new Date(now.getTime() + 60_000));
  const principals = { user: n.users, group: n.groups, org: n.orgs };
  // The author of a decision: `n.users` stands for the resource's owner (the common case), else that user.
  const author = fc.oneof(fc.constant(n.users), fc.nat(n.users - 1));
  const assetTargets = n.assets || n.collections;
  return fc
    .record({
      groupMembers: fc.uniqueArray(fc.tuple(fc.nat(n.groups - 1), fc.nat(n.users - 1)), { selector: (t) => t.join() }),
      orgMembers: fc.uniqueArray(fc.tuple(fc.nat(n.orgs - 1), fc.nat(n.users - 1)), { selector: (t) => t.join() }),
      assets: fc.array(fc.record({ owner: fc.nat(n.users - 1), pub: fc.boolean(), deleted: fc.boolean(), setBy: author }), {
        minLength: n.assets,
        maxLength: n.assets,
      }),
      collections: fc.array(fc.record({ owner: fc.nat(n.users - 1), pub: fc.boolean(), deleted: fc.boolean(), setBy: author }), {
        minLength: n.collections,
        maxLength: n.collections,
      }),
      items: n.assets
        ? fc.uniqueArray(fc.tuple(fc.nat(n.collections - 1), fc.nat(n.assets - 1), author), { selector: (t) => `${t[0]},${t[1]}` })
        : fc.constant([] as [number, number, number][]),
      grants: fc.uniqueArray(
        fc.record({
          onCollection: fc.boolean(),
          resource: fc.nat(Math.max(assetTargets, n.collections) - 1),
          principalType: fc.constantFrom('user' as const, 'group' as const, 'org' as const),
          principal: fc.nat(n.users - 1),
          permission: fc.constantFrom(...permissions),
          expiresAt: expiry,
          grantor: author,
        }),
        {
          selector: (g) =>
            [
              g.onCollection,
              g.resource % (g.onCollection ? n.collections : assetTargets),
              g.principalType,
              g.principal % principals[g.principalType],
            ].join(),
        },
      ),
    })
    .map((w) => ({ ...w, sizes: n }));
}

export type World = ReturnType<typeof worldOf> extends fc.Arbitrary<infer T> ? T : never;

const principalId = (w: World, type: 'user' | 'group' | 'org', i: number) =>
  type === 'user' ? userId(i % w.sizes.users) : type === 'group' ? groupId(i % w.sizes.groups) : orgId(i % w.sizes.orgs);

/** The author's user id: the owner when the author is `sizes.users`. */
const authorId = (w: World, author: number, owner: number) => userId(author === w.sizes.users ? owner : author);

export function grantFacts(w: World): GrantFacts[] {
  const { assets, collections } = w.sizes;
  return w.grants.map((g) => {
    const onAsset = !g.onCollection && assets > 0;
    const owner = onAsset ? w.assets[g.resource % assets]!.owner : w.collections[g.resource % collections]!.owner;
    return {
      resourceType: g.onCollection ? 'collection' : 'asset',
      resourceId: g.onCollection
        ? colId(g.resource % collections)
        : assets
          ? assetId(g.resource % assets)
          : colId(g.resource % collections),
      principalType: g.principalType,
      principalId: principalId(w, g.principalType, g.principal),
      permission: g.permission,
      expiresAt: g.expiresAt,
      grantedBy: authorId(w, g.grantor, owner),
    };
  });
}

/** Everyone's memberships: whose decisions the policy weighs. */
export const peopleOf = (w: World) => Array.from({ length: w.sizes.users }, (_, i) => callerFacts(w, i)!);

/** The callers to ask about: anonymous, then every user. */
export const callersOf = (w: World): (number | null)[] => [null, ...Array.from({ length: w.sizes.users }, (_, i) => i)];

/** What the policy knows of a caller. */
export function callerFacts(w: World, caller: number | null) {
  if (caller === null) return null;
  return {
    userId: userId(caller),
    groupIds: w.groupMembers.filter(([, u]) => u === caller).map(([g]) => groupId(g)),
    orgIds: w.orgMembers.filter(([, u]) => u === caller).map(([o]) => orgId(o)),
  };
}

const deletedAssetAt = new Date(now.getTime() - 1000);

/** The world's assets as the policy sees them (collections only count while live). */
export function collectionFacts(w: World) {
  return w.collections.map((c, i) => ({
    id: colId(i),
    ownerId: userId(c.owner),
    visibility: c.pub ? ('public' as const) : ('private' as const),
    visibilitySetBy: c.pub ? authorId(w, c.setBy, c.owner) : null,
    deletedAt: c.deleted ? now : null,
  }));
}

export function assetFacts(w: World) {
  const cols = collectionFacts(w);
  return w.assets.map((a, i) => ({
    id: assetId(i),
    ownerId: userId(a.owner),
    visibility: a.pub ? ('public' as const) : ('private' as const),
    visibilitySetBy: a.pub ? authorId(w, a.setBy, a.owner) : null,
    deletedAt: a.deleted ? deletedAssetAt : null,
    placements: w.items
      .filter(([c, ai]) => ai === i && !w.collections[c]!.deleted)
      .map(([c, , adder]) => ({ collection: cols[c]!, addedBy: authorId(w, adder, a.owner) })),
  }));
}

const TABLES = 'grants, collection_items, collections, assets, group_members, org_members, groups, orgs, users';

/** Empties the tables, then writes the world. */
export async function writeWorld(db: Database, w: World): Promise<void> {
  await db.execute(sql.raw(`truncate ${TABLES} cascade`));
  const { users, orgs, groups } = w.sizes;
  await db
    .insert(s.users)
    .values(Array.from({ length: users }, (_, i) => ({ id: userId(i), email: `${userId(i)}@x.test`, name: 'u', passwordHash: 'x' })));
  await db.insert(s.orgs).values(Array.from({ length: orgs }, (_, i) => ({ id: orgId(i), name: 'o', slug: orgId(i) })));
  await db.insert(s.groups).values(Array.from({ length: groups }, (_, i) => ({ id: groupId(i), orgId: orgId(0), name: `g${i}` })));
  if (w.groupMembers.length)
    await db.insert(s.groupMembers).values(w.groupMembers.map(([g, u]) => ({ groupId: groupId(g), userId: userId(u) })));
  if (w.orgMembers.length) await db.insert(s.orgMembers).values(w.orgMembers.map(([o, u]) => ({ orgId: orgId(o), userId: userId(u) })));
  const assetRows = assetFacts(w);
  if (assetRows.length) {
    await db.insert(s.assets).values(
      assetRows.map((a) => ({
        id: a.id,
        ownerId: a.ownerId,
        filename: 'f',
        declaredType: 'image/png',
        size: 1,
        visibility: a.visibility,
        visibilitySetBy: a.visibilitySetBy,
        deletedAt: a.deletedAt,
      })),
    );
  }
  if (w.collections.length) await db.insert(s.collections).values(collectionFacts(w).map((c) => ({ ...c, name: 'c' })));
  if (w.items.length) {
    await db.insert(s.collectionItems).values(
      w.items.map(([c, a, adder], i) => ({
        collectionId: colId(c),
        assetId: assetId(a),
        position: i,
        addedBy: authorId(w, adder, w.assets[a]!.owner),
      })),
    );
  }
  const gs = grantFacts(w);
  if (gs.length) await db.insert(s.grants).values(gs);
}

/** PGlite, and PostgreSQL through the production driver (a database of its own per suite, one connection). */
export const databaseTargets = [
  { name: 'PGlite', driver: 'pglite' as const, runs: 60 },
  { name: 'PostgreSQL via @neondatabase/serverless', driver: 'neon' as const, runs: 25 },
];

export const openMigrated = (target: (typeof databaseTargets)[number]): Promise<DatabaseHandle> =>
  openMigratedDatabase(target.driver, { max: 1 });
