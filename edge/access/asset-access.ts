/**
 * Loads the facts shared/policy/access.ts decides on, for one asset and one
 * caller, in at most two queries.
 */
import { and, eq, gt, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, grants, groupMembers, orgMembers } from '../../shared/db/schema.ts';
import type { AssetFacts, Caller, GrantFacts } from '../../shared/policy/access.ts';

export interface AssetRecord extends AssetFacts {
  filename: string;
  status: string;
}

/** The asset and the live collections holding it, or null when there is no such asset. */
export async function loadAsset(db: Database, assetId: string): Promise<AssetRecord | null> {
  const [row] = await db
    .select({
      id: assets.id,
      ownerId: assets.ownerId,
      visibility: assets.visibility,
      deletedAt: assets.deletedAt,
      filename: assets.filename,
      status: assets.status,
      // Qualified by hand: drizzle renders columns inside sql`` unqualified, and both tables have id/deleted_at.
      collectionIds: sql<string[]>`coalesce((
        select array_agg(ci.collection_id) from collection_items ci
        join collections col on col.id = ci.collection_id
        where ci.asset_id = "assets"."id" and col.deleted_at is null), '{}')`,
    })
    .from(assets)
    .where(eq(assets.id, assetId))
    .limit(1);
  return row ?? null;
}

/** The user's groups and orgs. */
export async function loadMemberships(db: Database, userId: string): Promise<Caller> {
  const [memberships] = await db
    .select({
      groupIds: sql<string[]>`coalesce((select array_agg(${groupMembers.groupId}) from ${groupMembers} where ${groupMembers.userId} = ${userId}), '{}')`,
      orgIds: sql<string[]>`coalesce((select array_agg(${orgMembers.orgId}) from ${orgMembers} where ${orgMembers.userId} = ${userId}), '{}')`,
    })
    .from(sql`(select 1) as one`);
  return { userId, groupIds: memberships?.groupIds ?? [], orgIds: memberships?.orgIds ?? [] };
}

/**
 * The caller's unexpired grants on the given resources: the one query both
 * asset and collection checks use (grants to the user, their groups, their orgs).
 */
export async function loadCallerGrants(db: Database, caller: Caller, resources: SQL, now: Date): Promise<GrantFacts[]> {
  const principals = [
    and(eq(grants.principalType, 'user'), eq(grants.principalId, caller.userId)),
    caller.groupIds.length ? and(eq(grants.principalType, 'group'), inArray(grants.principalId, [...caller.groupIds])) : undefined,
    caller.orgIds.length ? and(eq(grants.principalType, 'org'), inArray(grants.principalId, [...caller.orgIds])) : undefined,
  ].filter(Boolean);
  return db
    .select({
      resourceType: grants.resourceType,
      resourceId: grants.resourceId,
      principalType: grants.principalType,
      principalId: grants.principalId,
      permission: grants.permission,
      expiresAt: grants.expiresAt,
    })
    .from(grants)
    .where(and(or(...principals), resources, or(isNull(grants.expiresAt), gt(grants.expiresAt, now))));
}

/** The caller's groups and orgs, and their unexpired grants on the asset or its collections. */
export async function loadCallerAccess(
  db: Database,
  userId: string,
  asset: AssetFacts,
  now: Date,
): Promise<{ caller: Caller; grants: GrantFacts[] }> {
  const caller = await loadMemberships(db, userId);
  const resources = or(
    and(eq(grants.resourceType, 'asset'), eq(grants.resourceId, asset.id)),
    asset.collectionIds.length
      ? and(eq(grants.resourceType, 'collection'), inArray(grants.resourceId, [...asset.collectionIds]))
      : undefined,
  )!;
  return { caller, grants: await loadCallerGrants(db, caller, resources, now) };
}
