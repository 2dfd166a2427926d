/**
 * The SQL side of the access policy: a condition on `assets` that holds
 * exactly when shared/policy/access.ts `canAccessAsset` would say yes for the
 * caller (without a share link), so lists and search never show what a
 * direct read would refuse. test/node/access-policy-sql.test.ts holds the two
 * together on random worlds.
 */
import { sql, type SQL } from 'drizzle-orm';
import { permissions, PUBLIC_PERMISSION, includes, type Permission } from '../../shared/policy/access.ts';

/**
 * `assets` rows the caller may `need` (view by default). `userId` null is an
 * anonymous caller. The owner's own soft-deleted assets are included, as the
 * policy allows (list routes filter the trash themselves).
 */
export function accessibleAssets(userId: string | null, now: Date, need: Permission = 'view'): SQL {
  if (!permissions.includes(need)) throw new TypeError(`unknown permission ${need}`);
  const publicClause = includes(PUBLIC_PERMISSION, need) ? sql`"assets"."visibility" = 'public'` : sql`false`;
  if (userId === null) return sql`("assets"."deleted_at" is null and ${publicClause})`;
  // Enum order is the permission rank, so >= compares permissions.
  return sql`("assets"."owner_id" = ${userId} or ("assets"."deleted_at" is null and (
    ${publicClause}
    or exists (
      select 1 from grants g
      where (g.expires_at is null or g.expires_at > ${now.toISOString()}::timestamptz)
        and g.permission >= ${need}::permission
        and (
          (g.resource_type = 'asset' and g.resource_id = "assets"."id")
          or (g.resource_type = 'collection' and g.resource_id in (
            select ci.collection_id from collection_items ci
            join collections col on col.id = ci.collection_id
            where ci.asset_id = "assets"."id" and col.deleted_at is null))
        )
        and (
          (g.principal_type = 'user' and g.principal_id = ${userId})
          or (g.principal_type = 'group' and g.principal_id in (select gm.group_id from group_members gm where gm.user_id = ${userId}))
          or (g.principal_type = 'org' and g.principal_id in (select om.org_id from org_members om where om.user_id = ${userId}))
        )
    ))))`;
}
