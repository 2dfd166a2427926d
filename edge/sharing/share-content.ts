/**
 * What a link holder sees: the shared asset, or the shared collection and a
 * page of its items, each with media URLs under the link's own path
 * (`/s/<token>/<variant>`, or `/s/<token>/<assetId>/<variant>` for a
 * collection). Those URLs are served by edge/delivery/share-media.routes.ts, which
 * checks the link again on every request. The original is listed only when
 * the access policy gives the link `download` on the asset (permission,
 * allow-download switch and download cap); HLS lists its master playlist
 * only (the playlist names the rest). Trashed items are left out; a trashed
 * shared resource is gone.
 */
import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, collectionItems, collections } from '../../shared/db/schema.ts';
import { includes, linkLevel } from '../../shared/policy/access.ts';
import { assetPermissionOf, collectionPermissionOf } from '../access/gate.ts';
import { itemSharedThroughCollection } from '../access/visible-assets.ts';
import type { ShareLinkRecord } from '../access/share-link.ts';
import { decodeCursor, encodeCursor, slot } from '../api/cursor.ts';
import { AppError } from '../errors.ts';
import { derivativeFiles, type DerivativeFile } from '../library/derivative-files.ts';
import type { MediaEntry, SharedAsset, SharedCollection } from './schemas.ts';

const assetColumns = {
  id: assets.id,
  ownerId: assets.ownerId,
  visibility: assets.visibility,
  deletedAt: assets.deletedAt,
  filename: assets.filename,
  title: assets.title,
  description: assets.description,
  declaredType: assets.declaredType,
  detectedType: assets.detectedType,
  size: assets.size,
  status: assets.status,
  placeholder: assets.placeholder,
};

const gone = () => new AppError('gone', 'The shared item is no longer available.');

/** `mayDownload`: the link reaches the asset with download (decided by the access gate or, for items, the link's level). */
function sharedAsset(row: AssetRowLike, derived: DerivativeFile[], mayDownload: boolean, base: string): SharedAsset {
  const contentType = row.detectedType ?? row.declaredType;
  const media: MediaEntry[] =
    row.status === 'blocked'
      ? []
      : derived.map((d) => ({
          variant: d.kind,
          url: `${base}${d.kind}`,
          contentType: d.contentType,
          width: d.width,
          height: d.height,
          size: d.size,
        }));
  if (row.status !== 'blocked' && mayDownload) {
    media.push({ variant: 'original', url: `${base}original`, contentType, width: null, height: null, size: row.size });
  }
  return {
    id: row.id,
    filename: row.filename,
    title: row.title,
    description: row.description,
    contentType,
    size: row.size,
    status: row.status,
    placeholder: row.placeholder,
    media,
  };
}

type AssetRowLike = Pick<
  typeof assets.$inferSelect,
  | 'id'
  | 'ownerId'
  | 'visibility'
  | 'deletedAt'
  | 'filename'
  | 'title'
  | 'description'
  | 'declaredType'
  | 'detectedType'
  | 'size'
  | 'status'
  | 'placeholder'
>;

/** The asset of an asset link. @throws 410 when it was deleted (or trashed). */
export async function assetForLink(db: Database, link: ShareLinkRecord, token: string, now: Date): Promise<SharedAsset> {
  // The gate decides what the link still reaches: nothing once the asset is trashed or its creator may no longer share it.
  const { permission } = await assetPermissionOf(db, link.resourceId, { userId: null, link }, now);
  if (permission === null) throw gone();
  const [row] = await db.select(assetColumns).from(assets).where(eq(assets.id, link.resourceId)).limit(1);
  if (!row || row.deletedAt !== null) throw gone();
  const media = await derivativeFiles(db, [row.id], { listed: true, readyOnly: true });
  return sharedAsset(row, media.get(row.id) ?? [], includes(permission, 'download'), `/s/${token}/`);
}

/**
 * A shared collection's item cursor (the one codec, edge/api/cursor.ts): the
 * last item's position and asset id, both checked (int4, UUID) before the
 * query sees them. @throws 400 validation_failed (field `cursor`).
 */
export function decodeItemCursor(cursor: string): { position: number; assetId: string } {
  const [position, assetId] = decodeCursor('shared-items', cursor, [slot.integer, slot.uuid]) as [string, string];
  return { position: Number(position), assetId };
}

/** The collection of a collection link and one page of its live items, in collection order. */
export async function collectionForLink(
  db: Database,
  link: ShareLinkRecord,
  token: string,
  page: { cursor: { position: number; assetId: string } | null; limit: number },
  now: Date,
): Promise<SharedCollection> {
  // The link counts only while its creator may share the collection; a deleted collection is gone.
  const { collection, permission } = await collectionPermissionOf(db, link.resourceId, { userId: null, link }, now);
  if (!collection || permission === null) throw gone();
  const [col] = await db
    .select({ id: collections.id, name: collections.name, description: collections.description })
    .from(collections)
    .where(eq(collections.id, collection.id))
    .limit(1);
  if (!col) throw gone();
  // Every item the link reaches gets the link's own level (the gate says the same per item on /s).
  const mayDownload = includes(linkLevel(link, now), 'download');
  const after = page.cursor
    ? or(
        gt(collectionItems.position, page.cursor.position),
        and(eq(collectionItems.position, page.cursor.position), gt(collectionItems.assetId, page.cursor.assetId)),
      )
    : undefined;
  const rows = await db
    .select({ position: collectionItems.position, asset: assetColumns })
    .from(collectionItems)
    .innerJoin(assets, eq(assets.id, collectionItems.assetId))
    // Only items a sharer of the asset put here: the rest is someone's personal curation.
    .where(and(eq(collectionItems.collectionId, col.id), isNull(assets.deletedAt), itemSharedThroughCollection(now), after))
    .orderBy(asc(collectionItems.position), asc(collectionItems.assetId))
    .limit(page.limit + 1);
  const pageRows = rows.slice(0, page.limit);
  const media = await derivativeFiles(
    db,
    pageRows.map((r) => r.asset.id),
    { listed: true, readyOnly: true },
  );
  const last = pageRows[pageRows.length - 1];
  return {
    id: col.id,
    name: col.name,
    description: col.description,
    items: pageRows.map((r) => sharedAsset(r.asset, media.get(r.asset.id) ?? [], mayDownload, `/s/${token}/${r.asset.id}/`)),
    nextCursor: rows.length > page.limit && last ? encodeCursor('shared-items', [String(last.position), last.asset.id]) : null,
  };
}
