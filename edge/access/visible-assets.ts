/**
 * The SQL side of the access policy: conditions on `assets` and
 * `collections` that hold exactly when shared/policy/access.ts
 * `canAccessAsset` / `collectionPermission` would say yes for the caller
 * (without a share link), so lists and search never show what a direct read
 * would refuse. test/node/access-policy-sql.test.ts and
 * library-collections-sql.test.ts hold them together on random worlds.
 *
 * Sharers (the owner and the managers anchored in them) are computed once
 * per query by recursive CTEs over the `manage` grants only, which are few;
 * owners are seeded only where someone else's manage grant exists, so every
 * check reads "made by the owner, or by a sharer in the set".
 */
import { sql, type SQL } from 'drizzle-orm';
import { permissions, PUBLIC_PERMISSION, includes, type Permission } from '../../shared/policy/access.ts';

const at = (now: Date) => sql`${now.toISOString()}::timestamptz`;

/** Unexpired manage grants, one row per user they cover. */
const liveManage = (now: Date) => sql`
  live_manage(resource_type, resource_id, granted_by, user_id) as (
    select g.resource_type, g.resource_id, g.granted_by, g.principal_id from grants g
      where g.permission = 'manage' and g.principal_type = 'user' and (g.expires_at is null or g.expires_at > ${at(now)})
    union all
    select g.resource_type, g.resource_id, g.granted_by, gm.user_id from grants g join group_members gm on gm.group_id = g.principal_id
      where g.permission = 'manage' and g.principal_type = 'group' and (g.expires_at is null or g.expires_at > ${at(now)})
    union all
    select g.resource_type, g.resource_id, g.granted_by, om.user_id from grants g join org_members om on om.org_id = g.principal_id
      where g.permission = 'manage' and g.principal_type = 'org' and (g.expires_at is null or g.expires_at > ${at(now)}))`;

const colSharersCte = sql`
  col_sharers(collection_id, user_id) as (
    select c.id, c.owner_id from collections c
      where c.deleted_at is null and c.id in (select resource_id from live_manage where resource_type = 'collection')
    union
    select lm.resource_id, lm.user_id from col_sharers s
      join live_manage lm on lm.resource_type = 'collection' and lm.resource_id = s.collection_id and lm.granted_by = s.user_id)`;

/** `(collection_id, user_id)` pairs of the non-trivial collection sharers (owners only where a manager exists). */
export const collectionSharerPairs = (now: Date): SQL =>
  sql`(with recursive ${liveManage(now)}, ${colSharersCte} select collection_id, user_id from col_sharers)`;

/** `(asset_id, user_id)` pairs of the non-trivial asset sharers. */
export const assetSharerPairs = (now: Date): SQL => sql`(with recursive ${liveManage(now)}, ${colSharersCte},
  asset_edges(asset_id, from_user, to_user) as (
    select lm.resource_id, lm.granted_by, lm.user_id from live_manage lm where lm.resource_type = 'asset'
    union all
    select ci.asset_id, ci.added_by, lm.user_id from live_manage lm
      join collections c on c.id = lm.resource_id and c.deleted_at is null
      join collection_items ci on ci.collection_id = c.id
      where lm.resource_type = 'collection'
        and (lm.granted_by = c.owner_id or (c.id, lm.granted_by) in (select collection_id, user_id from col_sharers))),
  asset_sharers(asset_id, user_id) as (
    select a.id, a.owner_id from assets a where a.id in (select asset_id from asset_edges)
    union
    select e.asset_id, e.to_user from asset_sharers s join asset_edges e on e.asset_id = s.asset_id and e.from_user = s.user_id)
  select asset_id, user_id from asset_sharers)`;

/** True when `who` (an SQL expression) may share the asset row in scope as `asset`. */
const sharesAsset = (asset: string, who: SQL, now: Date) =>
  sql`coalesce(${who} = ${sql.raw(asset)}.owner_id or (${sql.raw(asset)}.id, ${who}) in ${assetSharerPairs(now)}, false)`;

/** True when `who` may share the collection row in scope as `col`. */
const sharesCollection = (col: string, who: SQL, now: Date) =>
  sql`coalesce(${who} = ${sql.raw(col)}.owner_id or (${sql.raw(col)}.id, ${who}) in ${collectionSharerPairs(now)}, false)`;

/** The grant in scope as `g` reaches the user: directly, through a group, or through an org. */
export const reachesUser = (userId: string): SQL => sql`(
  (g.principal_type = 'user' and g.principal_id = ${userId}::uuid)
  or (g.principal_type = 'group' and g.principal_id in (select gm.group_id from group_members gm where gm.user_id = ${userId}::uuid))
  or (g.principal_type = 'org' and g.principal_id in (select om.org_id from org_members om where om.user_id = ${userId}::uuid)))`;

function checkNeed(need: Permission) {
  if (!permissions.includes(need)) throw new TypeError(`unknown permission ${need}`);
}

/**
 * `assets` rows the caller may `need` (view by default). `userId` null is an
 * anonymous caller. The owner's own soft-deleted assets are included, as the
 * policy allows (list routes filter the trash themselves).
 */
export function accessibleAssets(userId: string | null, now: Date, need: Permission = 'view'): SQL {
  checkNeed(need);
  const publicClause = includes(PUBLIC_PERMISSION, need)
    ? sql`("assets"."visibility" = 'public' and ${sharesAsset('"assets"', sql`"assets"."visibility_set_by"`, now)})`
    : sql`false`;
  if (userId === null) return sql`("assets"."deleted_at" is null and ${publicClause})`;
  // Enum order is the permission rank, so >= compares permissions.
  return sql`("assets"."owner_id" = ${userId} or ("assets"."deleted_at" is null and (
    ${publicClause}
    or exists (
      select 1 from grants g
      where g.resource_type = 'asset' and g.resource_id = "assets"."id"
        and (g.expires_at is null or g.expires_at > ${at(now)}) and g.permission >= ${need}::permission
        and ${reachesUser(userId)} and ${sharesAsset('"assets"', sql`g.granted_by`, now)})
    or exists (
      select 1 from grants g
      join collections col on col.id = g.resource_id and col.deleted_at is null
      join collection_items ci on ci.collection_id = col.id and ci.asset_id = "assets"."id"
      where g.resource_type = 'collection'
        and (g.expires_at is null or g.expires_at > ${at(now)}) and g.permission >= ${need}::permission
        and ${reachesUser(userId)}
        and ${sharesCollection('col', sql`g.granted_by`, now)}
        and ${sharesAsset('"assets"', sql`ci.added_by`, now)})
  )))`;
}

/**
 * `collections` rows on which the caller holds at least `need` — owner
 * (deleted or not); otherwise live and public (made so by a sharer: view),
 * or an unexpired grant on it reaching the caller, made by a sharer of it.
 * Share links are not part of a listing.
 */
export function accessibleCollections(userId: string | null, now: Date, need: Permission = 'view'): SQL {
  checkNeed(need);
  const publicClause = includes(PUBLIC_PERMISSION, need)
    ? sql`("collections"."visibility" = 'public' and ${sharesCollection('"collections"', sql`"collections"."visibility_set_by"`, now)})`
    : sql`false`;
  if (userId === null) return sql`("collections"."deleted_at" is null and ${publicClause})`;
  return sql`("collections"."owner_id" = ${userId} or ("collections"."deleted_at" is null and (
    ${publicClause}
    or exists (
      select 1 from grants g
      where g.resource_type = 'collection' and g.resource_id = "collections"."id"
        and (g.expires_at is null or g.expires_at > ${at(now)}) and g.permission >= ${need}::permission
        and ${reachesUser(userId)} and ${sharesCollection('"collections"', sql`g.granted_by`, now)})
  )))`;
}

/**
 * Items of a collection that its link (made by `linkCreator`) reaches: those
 * a sharer of the asset put there. The caller checks the link itself (a
 * sharer of the collection made it) with the policy.
 */
export const itemSharedThroughCollection = (now: Date): SQL => sql`${sharesAsset('"assets"', sql`"collection_items"."added_by"`, now)}`;
