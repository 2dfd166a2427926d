/**
 * Collections: named, ordered sets of assets. A collection's own permission
 * (see it, rename it, share it) is `collectionPermission`; its items are
 * still each asset's own business (`assetPermission`, which collection grants
 * reach). Deleting is soft: the row stays (and with it the items), but a
 * deleted collection is shown to nobody and its grants reach no item.
 */
import { and, asc, desc, eq, isNull, ne, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { collections } from '../../shared/db/schema.ts';
import { collectionPermission, type Permission } from '../../shared/policy/access.ts';
import { loadGrantsAndPeople } from '../access/asset-access.ts';
import { iso } from './asset-rows.ts';
import { decodeCursor, page, slot } from '../api/cursor.ts';
import type { CollectionView } from './schemas.ts';
import { accessibleCollections } from '../access/visible-assets.ts';

const columns = {
  id: collections.id,
  ownerId: collections.ownerId,
  name: collections.name,
  description: collections.description,
  visibility: collections.visibility,
  visibilitySetBy: collections.visibilitySetBy,
  createdAt: collections.createdAt,
  updatedAt: collections.updatedAt,
  createdKey: sql<string>`"collections"."created_at"::text`,
};

interface Row {
  id: string;
  ownerId: string;
  name: string;
  description: string | null;
  visibility: 'private' | 'public';
  createdAt: Date;
  updatedAt: Date;
}

export const toView = (r: Row): CollectionView => ({
  id: r.id,
  ownerId: r.ownerId,
  name: r.name,
  description: r.description,
  visibility: r.visibility,
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

export interface CollectionFields {
  name?: string | undefined;
  description?: string | null | undefined;
  visibility?: 'private' | 'public' | undefined;
}

export async function createCollection(
  db: Database,
  ownerId: string,
  fields: CollectionFields & { name: string },
): Promise<CollectionView> {
  const [row] = await db
    .insert(collections)
    .values({
      ownerId,
      name: fields.name,
      description: fields.description || null,
      visibility: fields.visibility ?? 'private',
      visibilitySetBy: fields.visibility === 'public' ? ownerId : null,
    })
    .returning(columns);
  return toView(row!);
}

export async function getCollection(db: Database, id: string): Promise<CollectionView | null> {
  const [row] = await db.select(columns).from(collections).where(eq(collections.id, id)).limit(1);
  return row ? toView(row) : null;
}

/** Updates a live collection; false when it was deleted meanwhile. */
/** `actorId` is who asks: making the collection public records them, and it stays public only while they may share it. */
export async function updateCollection(db: Database, id: string, fields: CollectionFields, now: Date, actorId: string): Promise<boolean> {
  const set: Partial<typeof collections.$inferInsert> = { updatedAt: now };
  if (fields.name !== undefined) set.name = fields.name;
  if (fields.description !== undefined) set.description = fields.description || null;
  if (fields.visibility !== undefined) {
    set.visibility = fields.visibility;
    set.visibilitySetBy = fields.visibility === 'public' ? actorId : null;
  }
  const rows = await db
    .update(collections)
    .set(set)
    .where(and(eq(collections.id, id), isNull(collections.deletedAt)))
    .returning({ id: collections.id });
  return rows.length === 1;
}

export async function softDeleteCollection(db: Database, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(collections)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(eq(collections.id, id), isNull(collections.deletedAt)))
    .returning({ id: collections.id });
  return rows.length === 1;
}

/** Live collections the caller may see, newest first. */
export async function listCollections(
  db: Database,
  q: { userId: string; now: Date; scope: 'mine' | 'shared' | 'all'; limit: number; cursor?: string | undefined },
): Promise<{ items: (CollectionView & { permission: Permission })[]; nextCursor: string | null }> {
  const conditions: (SQL | undefined)[] = [
    isNull(collections.deletedAt),
    q.scope === 'mine' ? eq(collections.ownerId, q.userId) : q.scope === 'shared' ? ne(collections.ownerId, q.userId) : undefined,
    accessibleCollections(q.userId, q.now, 'view'),
  ];
  if (q.cursor) {
    const [at, id] = decodeCursor('collections', q.cursor, [slot.timestamp, slot.uuid]) as [string, string];
    conditions.push(sql`("collections"."created_at" < ${at}::timestamptz
      or ("collections"."created_at" = ${at}::timestamptz and "collections"."id" > ${id}::uuid))`);
  }
  const rows = await db
    .select(columns)
    .from(collections)
    .where(and(...conditions))
    .orderBy(desc(collections.createdAt), asc(collections.id))
    .limit(q.limit + 1);
  const result = page(rows, q.limit, 'collections', (r) => [r.createdKey, r.id]);
  // Each collection's permission, decided by the one policy from the caller's grants on this page's collections.
  const ids = result.rows.map((r) => r.id);
  const resources = ids.length
    ? sql`(g.resource_type = 'collection' and g.resource_id in (${sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )}))`
    : sql`false`;
  const facts = await loadGrantsAndPeople(
    db,
    q.userId,
    resources,
    result.rows.map((r) => r.visibilitySetBy),
    q.now,
  );
  // Listed rows passed accessibleCollections(view), which the policy agrees with
  // (test/node/library-collections-sql.test.ts); a membership removed between the
  // two reads drops the row rather than failing the page.
  const items = result.rows.flatMap((r) => {
    const permission = collectionPermission({ collection: { ...r, deletedAt: null }, ...facts, now: q.now });
    return permission ? [{ ...toView(r), permission }] : [];
  });
  return { items, nextCursor: result.nextCursor };
}
