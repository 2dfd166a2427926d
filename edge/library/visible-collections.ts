/**
 * The SQL side of `collectionPermission` (shared/policy/access.ts): a
 * condition on `collections` that holds exactly when the policy gives the
 * caller at least `need` on the collection itself — owner (deleted or not);
 * otherwise live and public (view), or an unexpired grant on the collection
 * to the user, a group they belong to or their org. Share links are not
 * part of a listing. test/node/library-collections-sql.test.ts holds the
 * two together on random worlds, as test/node/access-policy-sql.test.ts
 * does for assets. (Its place is edge/access/, next to `accessibleAssets`.)
 */
import { sql, type SQL } from 'drizzle-orm';
import { includes, permissions, PUBLIC_PERMISSION, type Permission } from '../../shared/policy/access.ts';

export function accessibleCollections(userId: string | null, now: Date, need: Permission = 'view'): SQL {
  if (!permissions.includes(need)) throw new TypeError(`unknown permission ${need}`);
  const publicClause = includes(PUBLIC_PERMISSION, need) ? sql`"collections"."visibility" = 'public'` : sql`false`;
  if (userId === null) return sql`("collections"."deleted_at" is null and ${publicClause})`;
  // Enum order is the permission rank, so >= compares permissions.
  return sql`("collections"."owner_id" = ${userId} or ("collections"."deleted_at" is null and (
    ${publicClause}
    or exists (
      select 1 from grants g
      where g.resource_type = 'collection' and g.resource_id = "collections"."id"
        and (g.expires_at is null or g.expires_at > ${now.toISOString()}::timestamptz)
        and g.permission >= ${need}::permission
        and (
          (g.principal_type = 'user' and g.principal_id = ${userId})
          or (g.principal_type = 'group' and g.principal_id in (select gm.group_id from group_members gm where gm.user_id = ${userId}))
          or (g.principal_type = 'org' and g.principal_id in (select om.org_id from org_members om where om.user_id = ${userId}))
        )
    ))))`;
}
