/** Loads the facts shared/policy/access.ts `collectionPermission` decides on. */
import { and, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { collections, grants } from '../../shared/db/schema.ts';
import { collectionPermission, type CollectionFacts, type Permission } from '../../shared/policy/access.ts';
import { loadMemberships } from './asset-access.ts';

export async function loadCollection(db: Database, collectionId: string): Promise<CollectionFacts & { name: string } | null> {
  const [row] = await db
    .select({ id: collections.id, ownerId: collections.ownerId, visibility: collections.visibility, deletedAt: collections.deletedAt, name: collections.name })
    .from(collections)
    .where(eq(collections.id, collectionId))
    .limit(1);
  return row ?? null;
}

/** The caller's permission on the collection (null: none, or no such collection). */
export async function collectionPermissionFor(
  db: Database,
  collectionId: string,
  userId: string | null,
  now: Date,
): Promise<{ collection: (CollectionFacts & { name: string }) | null; permission: Permission | null }> {
  const collection = await loadCollection(db, collectionId);
  if (!collection) return { collection, permission: null };
  if (userId === null) return { collection, permission: collectionPermission({ collection, caller: null, grants: [], now }) };
  const caller = await loadMemberships(db, userId);
  const principals = [
    and(eq(grants.principalType, 'user'), eq(grants.principalId, userId)),
    caller.groupIds.length ? and(eq(grants.principalType, 'group'), inArray(grants.principalId, [...caller.groupIds])) : undefined,
    caller.orgIds.length ? and(eq(grants.principalType, 'org'), inArray(grants.principalId, [...caller.orgIds])) : undefined,
  ].filter(Boolean);
  const rows = await db
    .select({
      resourceType: grants.resourceType,
      resourceId: grants.resourceId,
      principalType: grants.principalType,
      principalId: grants.principalId,
      permission: grants.permission,
      expiresAt: grants.expiresAt,
    })
    .from(grants)
    .where(and(eq(grants.resourceType, 'collection'), eq(grants.resourceId, collectionId), or(...principals), or(isNull(grants.expiresAt), gt(grants.expiresAt, now))));
  return { collection, permission: collectionPermission({ collection, caller, grants: rows, now }) };
}
