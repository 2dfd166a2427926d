/** Loads the facts shared/policy/access.ts `collectionPermission` decides on. */
import { and, eq } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { collections, grants } from '../../shared/db/schema.ts';
import { collectionPermission, type CollectionFacts, type Permission } from '../../shared/policy/access.ts';
import { loadCallerGrants, loadMemberships } from './asset-access.ts';

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
  const rows = await loadCallerGrants(db, caller, and(eq(grants.resourceType, 'collection'), eq(grants.resourceId, collectionId))!, now);
  return { collection, permission: collectionPermission({ collection, caller, grants: rows, now }) };
}
