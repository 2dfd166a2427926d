/**
 * The database side of uploads: an upload is an `assets` row (status
 * `pending`, key from its id) plus an `uploads` row holding the S3 upload id,
 * created together in one transaction; every later change is a conditional
 * update, so a retried or racing call cannot move an upload backwards
 * (`completed` and `aborted` are final) or touch an asset another step moved on.
 */
import { enqueueAssetEvent } from '../../shared/webhooks/outbox.ts';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, collectionItems, collections, linkUploads, uploads } from '../../shared/db/schema.ts';

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface NewUpload {
  assetId: string;
  userId: string;
  key: string;
  filename: string;
  size: number;
  contentType: string;
  sha256?: string | undefined;
  collectionId?: string | undefined;
  /** null for a single PUT or POST. */
  s3UploadId: string | null;
  partSize: number | null;
  expiresAt: Date;
  /** Started through an upload link (edge/drops/): the link and what the uploader said. */
  drop?: DropStamp | undefined;
}

export interface DropStamp {
  linkId: string;
  uploaderName: string;
  note?: string | undefined;
}

export interface UploadRecord {
  id: string;
  assetId: string;
  key: string;
  partSize: number | null;
  status: 'active' | 'completed' | 'aborted';
  expiresAt: Date;
  /** The declared size (the asset's). */
  size: number;
  /** The asset's status when the row was read: anything but `pending` means an original already exists or the asset is final. */
  assetStatus: string;
}

/** True when the collection exists, is not deleted and belongs to `userId`. */
export async function ownsCollection(db: Database, userId: string, collectionId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: collections.id })
    .from(collections)
    .where(and(eq(collections.id, collectionId), eq(collections.ownerId, userId), isNull(collections.deletedAt)))
    .limit(1);
  return row !== undefined;
}

/** A ready, live asset of `userId` with this SHA-256 (hex), if any. */
export async function findReadyDuplicate(db: Database, userId: string, sha256: string): Promise<string | null> {
  const [row] = await db
    .select({ id: assets.id })
    .from(assets)
    .where(and(eq(assets.ownerId, userId), eq(assets.sha256, sha256), eq(assets.status, 'ready'), isNull(assets.deletedAt)))
    .orderBy(desc(assets.createdAt))
    .limit(1);
  return row?.id ?? null;
}

/** The insert that appends the asset to the collection (once), as added by `addedBy`. */
const collectionItemInsert = (db: Database | Tx, collectionId: string, assetId: string, addedBy: string) =>
  db
    .insert(collectionItems)
    .values({
      collectionId,
      assetId,
      addedBy,
      position: sql`(select coalesce(max(${collectionItems.position}), -1) + 1 from ${collectionItems} where ${collectionItems.collectionId} = ${collectionId})`,
    })
    .onConflictDoNothing();

/** Appends the asset to the collection (once), as added by `addedBy` (the uploader, who owns it: the collection shares it). */
export async function addToCollection(db: Database | Tx, collectionId: string, assetId: string, addedBy: string): Promise<void> {
  await collectionItemInsert(db, collectionId, assetId, addedBy);
}

/**
 * The asset, its upload, its collection entry and (through an upload link) its
 * drop stamp: all or none, in ONE statement (data-modifying CTEs run atomically, and a statement is one round
 * trip to the database where BEGIN, three inserts and COMMIT were five).
 */
export async function createPendingUpload(db: Database, u: NewUpload): Promise<void> {
  const asset = db.insert(assets).values({
    id: u.assetId,
    ownerId: u.userId,
    filename: u.filename,
    declaredType: u.contentType,
    size: u.size,
    sha256: u.sha256 ?? null,
    status: 'pending',
  });
  const upload = db.insert(uploads).values({
    assetId: u.assetId,
    userId: u.userId,
    key: u.key,
    s3UploadId: u.s3UploadId,
    partSize: u.partSize,
    status: 'active',
    expiresAt: u.expiresAt,
  });
  // Foreign keys are checked at the end of the statement, when the asset row exists.
  const item = u.collectionId ? sql`, item as (${collectionItemInsert(db, u.collectionId, u.assetId, u.userId).getSQL()})` : sql``;
  const drop = u.drop
    ? sql`, dropped as (${db
        .insert(linkUploads)
        .values({ assetId: u.assetId, linkId: u.drop.linkId, uploaderName: u.drop.uploaderName, note: u.drop.note ?? null })
        .getSQL()})`
    : sql``;
  await db.execute(sql`with asset as (${asset.getSQL()}), upload as (${upload.getSQL()})${item}${drop} select 1`);
}

/** The columns of an {@link UploadRecord}: the upload row joined with its asset. */
export const uploadRecordColumns = {
  id: uploads.id,
  assetId: uploads.assetId,
  key: uploads.key,
  partSize: uploads.partSize,
  status: uploads.status,
  expiresAt: uploads.expiresAt,
  size: assets.size,
  assetStatus: assets.status,
};

/**
 * The caller's multipart upload with this id and key, or null: a wrong key,
 * someone else's upload id and an unknown one all look the same.
 */
export async function findMultipartUpload(db: Database, userId: string, s3UploadId: string, key: string): Promise<UploadRecord | null> {
  const [row] = await db
    .select(uploadRecordColumns)
    .from(uploads)
    .innerJoin(assets, eq(assets.id, uploads.assetId))
    .where(and(eq(uploads.s3UploadId, s3UploadId), eq(uploads.key, key), eq(uploads.userId, userId)))
    .limit(1);
  return row ?? null;
}

/**
 * The upload `completed` and its asset `uploaded` (unless the pipeline already moved it on), with
 * the `upload.received` webhook event when this is the move (ingest writes it when it moves first).
 */
export async function markCompleted(db: Database, upload: UploadRecord, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(uploads)
      .set({ status: 'completed', completedAt: now })
      .where(and(eq(uploads.id, upload.id), eq(uploads.status, 'active')));
    const moved = await tx
      .update(assets)
      .set({ status: 'uploaded', updatedAt: now })
      .where(and(eq(assets.id, upload.assetId), eq(assets.status, 'pending')))
      .returning({ size: assets.size });
    if (moved[0]) await enqueueAssetEvent(tx, 'upload.received', upload.assetId, { size: moved[0].size }, now);
  });
}

/**
 * The upload `aborted` and its asset `failed` with `reason`. `discard` also
 * moves the asset to the trash with nothing to keep (purge_after = now): the
 * owner cancelled it and no bytes were stored. Returns false when the upload
 * was no longer active (another call finished it first).
 */
export async function markAborted(
  db: Database,
  upload: Pick<UploadRecord, 'id' | 'assetId'>,
  reason: string,
  now: Date,
  opts: { discard?: boolean } = {},
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [done] = await tx
      .update(uploads)
      .set({ status: 'aborted', completedAt: now })
      .where(and(eq(uploads.id, upload.id), eq(uploads.status, 'active')))
      .returning({ id: uploads.id });
    if (!done) return false;
    await tx
      .update(assets)
      .set({
        status: 'failed',
        statusReason: reason,
        updatedAt: now,
        ...(opts.discard ? { deletedAt: now, purgeAfter: now } : {}),
      })
      .where(and(eq(assets.id, upload.assetId), inArray(assets.status, ['pending', 'uploaded'])));
    return true;
  });
}
