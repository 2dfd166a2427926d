/**
 * The items of a collection, kept at dense positions 0..n-1. Every change
 * runs in a transaction that first locks the collection row, so concurrent
 * adds, removes and reorders of one collection take turns and positions stay
 * dense. Listing shows only items the caller may view (`accessibleAssets`,
 * trashed assets excluded), so a collection never reveals what its items'
 * own access would hide.
 */
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, collectionItems, collections } from '../../shared/db/schema.ts';
import { accessibleAssets } from '../access/visible-assets.ts';
import { summaryColumns, type SummaryRow } from './asset-rows.ts';
import { decodeCursor, page, slot } from '../api/cursor.ts';
import { visibleLiveAssets } from '../access/visible-live-assets.ts';
import { MAX_COLLECTION_ITEMS } from './schemas.ts';

export interface ItemRow extends SummaryRow {
  position: number;
}

/** One page of the items the caller may view, in position order. */
export async function listItems(
  db: Database,
  q: { collectionId: string; userId: string | null; now: Date; limit: number; cursor?: string | undefined },
): Promise<{ rows: ItemRow[]; nextCursor: string | null }> {
  const conditions: SQL[] = [eq(collectionItems.collectionId, q.collectionId), visibleLiveAssets(q.userId, q.now)];
  if (q.cursor) {
    const [pos, id] = decodeCursor('items', q.cursor, [slot.integer, slot.uuid]) as [string, string];
    conditions.push(sql`("collection_items"."position" > ${Number(pos)}
      or ("collection_items"."position" = ${Number(pos)} and "collection_items"."asset_id" > ${id}::uuid))`);
  }
  const rows = await db
    .select({ ...summaryColumns, position: collectionItems.position })
    .from(collectionItems)
    .innerJoin(assets, eq(assets.id, collectionItems.assetId))
    .where(and(...conditions))
    .orderBy(asc(collectionItems.position), asc(collectionItems.assetId))
    .limit(q.limit + 1);
  return page(rows as ItemRow[], q.limit, 'items', (r) => [String(r.position), r.id]);
}

const lock = (tx: Database, collectionId: string) =>
  tx.select({ id: collections.id }).from(collections).where(eq(collections.id, collectionId)).for('update');

export type AddResult = { added: true; position: number } | { added: false; reason: 'exists' | 'full' };

/**
 * Adds the asset at `position` (shifting the rest down), or at the end, as
 * added by `addedBy`: the collection's grants and links reach it only while
 * that person may share the asset (shared/policy/access.ts).
 */
export async function addItem(
  tx: Database,
  collectionId: string,
  assetId: string,
  position: number | undefined,
  addedBy: string,
): Promise<AddResult> {
  await lock(tx, collectionId);
  const [state] = await tx
    .select({
      count: sql<number>`count(*)::int`,
      present: sql<boolean>`coalesce(bool_or("collection_items"."asset_id" = ${assetId}::uuid), false)`,
    })
    .from(collectionItems)
    .where(eq(collectionItems.collectionId, collectionId));
  const count = Number(state?.count ?? 0);
  if (state?.present) return { added: false, reason: 'exists' };
  if (count >= MAX_COLLECTION_ITEMS) return { added: false, reason: 'full' };
  const at = position === undefined || position >= count ? count : position;
  if (at < count) {
    await tx
      .update(collectionItems)
      .set({ position: sql`"position" + 1` })
      .where(and(eq(collectionItems.collectionId, collectionId), sql`"position" >= ${at}`));
  }
  await tx.insert(collectionItems).values({ collectionId, assetId, position: at, addedBy });
  return { added: true, position: at };
}

/** Removes the item and closes the gap; false when it is not an item. */
export async function removeItem(tx: Database, collectionId: string, assetId: string): Promise<boolean> {
  await lock(tx, collectionId);
  const [gone] = await tx
    .delete(collectionItems)
    .where(and(eq(collectionItems.collectionId, collectionId), eq(collectionItems.assetId, assetId)))
    .returning({ position: collectionItems.position });
  if (!gone) return false;
  await tx
    .update(collectionItems)
    .set({ position: sql`"position" - 1` })
    .where(and(eq(collectionItems.collectionId, collectionId), sql`"position" > ${gone.position}`));
  return true;
}

/** Whether the caller may see the item (its asset is live and visible to them); null when it is not an item. */
export async function itemVisible(db: Database, collectionId: string, assetId: string, userId: string, now: Date): Promise<boolean | null> {
  const [row] = await db
    .select({ visible: sql<boolean>`("assets"."deleted_at" is null and ${accessibleAssets(userId, now, 'view')})` })
    .from(collectionItems)
    .innerJoin(assets, eq(assets.id, collectionItems.assetId))
    .where(and(eq(collectionItems.collectionId, collectionId), eq(collectionItems.assetId, assetId)))
    .limit(1);
  return row ? row.visible : null;
}

/**
 * Puts the items the caller can see in the order of `assetIds`, which must
 * name each of them exactly once; items hidden from the caller (not theirs to
 * see, or in their owner's trash) follow, in their current order. False when
 * `assetIds` is not such a permutation.
 */
export async function reorderItems(
  tx: Database,
  collectionId: string,
  assetIds: readonly string[],
  userId: string,
  now: Date,
): Promise<boolean> {
  await lock(tx, collectionId);
  const items = await tx
    .select({
      assetId: collectionItems.assetId,
      visible: sql<boolean>`("assets"."deleted_at" is null and ${accessibleAssets(userId, now, 'view')})`,
    })
    .from(collectionItems)
    .innerJoin(assets, eq(assets.id, collectionItems.assetId))
    .where(eq(collectionItems.collectionId, collectionId))
    .orderBy(asc(collectionItems.position), asc(collectionItems.assetId));
  const visible = new Set(items.filter((i) => i.visible).map((i) => i.assetId));
  const wanted = assetIds.map((id) => id.toLowerCase());
  if (new Set(wanted).size !== wanted.length || wanted.length !== visible.size || !wanted.every((id) => visible.has(id))) return false;
  const order = [...wanted, ...items.filter((i) => !i.visible).map((i) => i.assetId)];
  if (order.length === 0) return true;
  await tx.execute(sql`update collection_items ci set position = v.ord - 1
    from unnest(array[${sql.join(
      order.map((id) => sql`${id}`),
      sql`, `,
    )}]::uuid[]) with ordinality as v(asset_id, ord)
    where ci.collection_id = ${collectionId}::uuid and ci.asset_id = v.asset_id`);
  return true;
}
