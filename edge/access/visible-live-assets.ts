/**
 * The filter every library list and search uses: live (not trashed) assets
 * that `accessibleAssets` — the SQL held to the access policy — lets the
 * caller view. `accessibleAssets` alone decides; in front of it stands a
 * cheap necessary condition that lets Postgres find candidates from the
 * caller's side instead of running its correlated grant lookup on every row
 * of the table:
 *
 *   owned by the caller, or public, or in a set computed once per query (an
 *   uncorrelated, hashed subquery): assets granted to the caller, their
 *   groups or orgs, directly or through a live collection, unexpired.
 *
 * Postgres evaluates the cheaper conjunct first, so `accessibleAssets` runs
 * only on rows that pass it. The condition must never be narrower than
 * `accessibleAssets` or a list would miss rows (it can never show more: the
 * policy SQL still filters): test/node/library-visible-sql.test.ts checks on
 * random worlds that both give the same rows.
 */
import { sql, type SQL } from 'drizzle-orm';
import { accessibleAssets, reachesUser } from './visible-assets.ts';

/** Asset ids the caller reaches through an unexpired grant (any grant includes view). */
function grantedIds(userId: string, now: Date): SQL {
  const at = sql`${now.toISOString()}::timestamptz`;
  const principal = reachesUser(userId);
  return sql`(
    select g.resource_id from grants g
    where g.resource_type = 'asset' and (g.expires_at is null or g.expires_at > ${at}) and ${principal}
    union
    select ci.asset_id from grants g
    join collections col on col.id = g.resource_id and col.deleted_at is null
    join collection_items ci on ci.collection_id = col.id
    where g.resource_type = 'collection' and (g.expires_at is null or g.expires_at > ${at}) and ${principal})`;
}

export type Scope = 'mine' | 'shared' | 'all';

/** Live assets the caller may view, narrowed to a scope: owned, not owned, or both. */
export function visibleLiveAssets(userId: string | null, now: Date, scope: Scope = 'all'): SQL {
  if (userId === null) return sql`("assets"."deleted_at" is null and ${accessibleAssets(null, now, 'view')})`;
  const owned = sql`"assets"."owner_id" = ${userId}::uuid`;
  const reached = sql`("assets"."visibility" = 'public' or "assets"."id" in ${grantedIds(userId, now)})`;
  const candidates = scope === 'mine' ? owned : scope === 'shared' ? sql`(not ${owned} and ${reached})` : sql`(${owned} or ${reached})`;
  return sql`("assets"."deleted_at" is null and ${candidates} and ${accessibleAssets(userId, now, 'view')})`;
}
