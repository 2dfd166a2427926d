/**
 * What an archive may hold, asked of the SQL twin of the access policy
 * (edge/access/visible-assets.ts), one query per archive:
 *
 * - a user's collection or selection: the live assets `accessibleAssets`
 *   lets the caller view; each says whether it also allows `download`
 *   (the policy's own rule: a collection's grant reaches an item only when a
 *   sharer of the asset added it, public is view only, …). Items the caller
 *   cannot even view are not named anywhere.
 * - a collection link: the live items a sharer of each asset put there
 *   (`itemSharedThroughCollection`), each at the link's own level, as on
 *   `/s/:token/:assetId/…` (the caller has checked the link with the gate).
 *
 * Rows come in archive order: collection position, or the selection's order.
 */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, collectionItems } from '../../shared/db/schema.ts';
import { accessibleAssets, itemSharedThroughCollection } from '../access/visible-assets.ts';

export interface ArchiveItem {
  assetId: string;
  filename: string;
  size: number;
  status: (typeof assets.$inferSelect)['status'];
  ingestedEtag: string | null;
  createdAt: Date;
  mayDownload: boolean;
}

const columns = {
  assetId: assets.id,
  filename: assets.filename,
  size: assets.size,
  status: assets.status,
  ingestedEtag: assets.ingestedEtag,
  createdAt: assets.createdAt,
};

/** A user's view of a collection's live items (the caller has checked view on the collection). */
export async function collectionItemsForUser(db: Database, collectionId: string, userId: string, now: Date): Promise<ArchiveItem[]> {
  const rows = await db
    .select({ ...columns, mayDownload: sql<boolean>`${accessibleAssets(userId, now, 'download')}` })
    .from(collectionItems)
    .innerJoin(assets, eq(assets.id, collectionItems.assetId))
    .where(and(eq(collectionItems.collectionId, collectionId), isNull(assets.deletedAt), accessibleAssets(userId, now, 'view')))
    .orderBy(asc(collectionItems.position), asc(collectionItems.assetId));
  return rows.map((r) => ({ ...r, mayDownload: r.mayDownload === true }));
}

/** A user's view of the assets named, in the order given; ids they cannot view are absent. */
export async function selectionForUser(db: Database, assetIds: readonly string[], userId: string, now: Date): Promise<ArchiveItem[]> {
  if (assetIds.length === 0) return [];
  const rows = await db
    .select({ ...columns, mayDownload: sql<boolean>`${accessibleAssets(userId, now, 'download')}` })
    .from(assets)
    .where(and(inArray(assets.id, [...assetIds]), isNull(assets.deletedAt), accessibleAssets(userId, now, 'view')));
  const byId = new Map(rows.map((r) => [r.assetId, { ...r, mayDownload: r.mayDownload === true }]));
  return assetIds.flatMap((id) => byId.get(id) ?? []);
}

/** The live items a collection link reaches; `mayDownload` is the link's own level. */
export async function collectionItemsForLink(
  db: Database,
  collectionId: string,
  linkMayDownload: boolean,
  now: Date,
): Promise<ArchiveItem[]> {
  const rows = await db
    .select(columns)
    .from(collectionItems)
    .innerJoin(assets, eq(assets.id, collectionItems.assetId))
    .where(and(eq(collectionItems.collectionId, collectionId), isNull(assets.deletedAt), itemSharedThroughCollection(now)))
    .orderBy(asc(collectionItems.position), asc(collectionItems.assetId));
  return rows.map((r) => ({ ...r, mayDownload: linkMayDownload }));
}
