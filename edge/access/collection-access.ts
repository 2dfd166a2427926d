/** Loads the facts shared/policy/access.ts `collectionPermission` decides on. */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { collections } from '../../shared/db/schema.ts';
import type { CollectionFacts } from '../../shared/policy/access.ts';
import { loadGrantsAndPeople, type AccessFacts } from './asset-access.ts';

export type CollectionRecord = CollectionFacts & { name: string };

export async function loadCollection(db: Database, collectionId: string): Promise<CollectionRecord | null> {
  const [row] = await db
    .select({
      id: collections.id,
      ownerId: collections.ownerId,
      visibility: collections.visibility,
      visibilitySetBy: collections.visibilitySetBy,
      deletedAt: collections.deletedAt,
      name: collections.name,
    })
    .from(collections)
    .where(eq(collections.id, collectionId))
    .limit(1);
  return row ?? null;
}

/** The manage grants on the collection, the caller's grants on it, and the people behind them. */
export async function loadCollectionFacts(
  db: Database,
  userId: string | null,
  collection: CollectionFacts,
  now: Date,
  linkCreator?: string | null,
): Promise<AccessFacts> {
  if (userId !== null && userId === collection.ownerId) return { caller: { userId, groupIds: [], orgIds: [] }, grants: [], people: [] };
  const resources = sql`(g.resource_type = 'collection' and g.resource_id = ${collection.id}::uuid)`;
  return loadGrantsAndPeople(db, userId, resources, [collection.visibilitySetBy, linkCreator ?? null], now);
}
