/**
 * Loads the facts shared/policy/access.ts decides on: the asset with the
 * collections holding it (one query), then the grants that can matter —
 * every unexpired manage grant on the asset and those collections, and the
 * caller's own — with the memberships of everyone whose decisions the
 * policy weighs (one query). An owner asking about their own asset needs
 * only the first.
 */
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets } from '../../shared/db/schema.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import { reachesUser } from './visible-assets.ts';
import type { AssetFacts, Caller, CollectionFacts, GrantFacts } from '../../shared/policy/access.ts';

export interface AssetRecord extends AssetFacts {
  filename: string;
  status: string;
}

/** What the policy needs besides the asset: the caller, the grants, and the people behind them. */
export interface AccessFacts {
  caller: Caller | null;
  grants: GrantFacts[];
  people: Caller[];
}

interface JsonCollection {
  id: string;
  ownerId: string;
  visibility: 'private' | 'public';
  visibilitySetBy: string | null;
  deletedAt: string | null;
}

const toCollection = (c: JsonCollection): CollectionFacts => ({ ...c, deletedAt: c.deletedAt === null ? null : new Date(c.deletedAt) });

/** The asset and the live collections holding it (with who put it there), or null when there is no such asset. */
export async function loadAsset(db: Database, assetId: string): Promise<AssetRecord | null> {
  const [row] = await db
    .select({
      id: assets.id,
      ownerId: assets.ownerId,
      visibility: assets.visibility,
      visibilitySetBy: assets.visibilitySetBy,
      deletedAt: assets.deletedAt,
      filename: assets.filename,
      status: assets.status,
      // Qualified by hand: drizzle renders columns inside sql`` unqualified, and both tables have id/deleted_at.
      placements: sql<{ addedBy: string | null; collection: JsonCollection }[]>`coalesce((
        select json_agg(json_build_object('addedBy', ci.added_by, 'collection', json_build_object(
          'id', col.id, 'ownerId', col.owner_id, 'visibility', col.visibility,
          'visibilitySetBy', col.visibility_set_by, 'deletedAt', col.deleted_at)))
        from collection_items ci join collections col on col.id = ci.collection_id
        where ci.asset_id = "assets"."id" and col.deleted_at is null), '[]'::json)`,
    })
    .from(assets)
    .where(eq(assets.id, assetId))
    .limit(1);
  if (!row) return null;
  return { ...row, placements: row.placements.map((p) => ({ addedBy: p.addedBy, collection: toCollection(p.collection) })) };
}

interface JsonGrant extends Omit<GrantFacts, 'expiresAt'> {
  expiresAt: string | null;
}

/**
 * The unexpired grants on `resources` (a condition on grants `g`) that are
 * manage grants or reach the caller, and the memberships of the caller and of
 * `deciders` (user ids) and every grantor found.
 */
export async function loadGrantsAndPeople(
  db: Database,
  userId: string | null,
  resources: SQL,
  deciders: readonly (string | null)[],
  now: Date,
): Promise<AccessFacts> {
  const reachesCaller = userId ? reachesUser(userId) : sql`false`;
  const ids = [userId, ...deciders].filter((x): x is string => x !== null);
  const idArray = ids.length
    ? sql`array[${sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )}]`
    : sql`array[]::uuid[]`;
  const [row] = rowsOf<{ grants: JsonGrant[] | null; people: Caller[] | null }>(
    await db.execute(sql`
      with rel as (
        select g.* from grants g where (${resources})
          and (g.expires_at is null or g.expires_at > ${now.toISOString()}::timestamptz)
          and (g.permission = 'manage' or ${reachesCaller})),
      who as (select unnest(${idArray}) as id union select granted_by from rel where granted_by is not null)
      select
        (select json_agg(json_build_object(
          'resourceType', r.resource_type, 'resourceId', r.resource_id, 'principalType', r.principal_type,
          'principalId', r.principal_id, 'permission', r.permission, 'expiresAt', r.expires_at, 'grantedBy', r.granted_by)) from rel r) as grants,
        (select json_agg(json_build_object(
          'userId', w.id,
          'groupIds', coalesce((select array_agg(gm.group_id) from group_members gm where gm.user_id = w.id), '{}'),
          'orgIds', coalesce((select array_agg(om.org_id) from org_members om where om.user_id = w.id), '{}')))
         from who w) as people`),
  );
  const grants = (row?.grants ?? []).map((g) => ({ ...g, expiresAt: g.expiresAt === null ? null : new Date(g.expiresAt) }));
  const people = row?.people ?? [];
  const caller = userId ? (people.find((p) => p.userId === userId) ?? { userId, groupIds: [], orgIds: [] }) : null;
  return { caller, grants, people };
}

/** The grant condition for an asset: on the asset itself, or on a live collection holding it. */
export function assetResources(asset: AssetFacts): SQL {
  const cols = asset.placements.map((p) => p.collection.id);
  const onCollections = cols.length
    ? sql` or (g.resource_type = 'collection' and g.resource_id in (${sql.join(
        cols.map((id) => sql`${id}::uuid`),
        sql`, `,
      )}))`
    : sql``;
  return sql`(g.resource_type = 'asset' and g.resource_id = ${asset.id}::uuid)${onCollections}`;
}

/** Whose decisions about this asset the policy weighs, besides grantors: adders, publishers, the link's creator. */
export const assetDeciders = (asset: AssetFacts, linkCreator?: string | null): (string | null)[] => [
  asset.visibilitySetBy,
  linkCreator ?? null,
  ...asset.placements.flatMap((p) => [p.addedBy, p.collection.visibilitySetBy]),
];

/** Everything the policy needs about the caller (or a link holder: `userId` null) and the asset. */
export async function loadAccessFacts(
  db: Database,
  userId: string | null,
  asset: AssetRecord,
  now: Date,
  linkCreator?: string | null,
): Promise<AccessFacts> {
  // Nothing can outrank ownership: skip the second query.
  if (userId !== null && userId === asset.ownerId) return { caller: { userId, groupIds: [], orgIds: [] }, grants: [], people: [] };
  return loadGrantsAndPeople(db, userId, assetResources(asset), assetDeciders(asset, linkCreator), now);
}
