/**
 * The database side of upload ("file drop") links. Caps are kept by one
 * conditional `update … returning` on the link's row: Postgres locks the row
 * and re-checks the condition against the committed counters, so two
 * holders racing for the last file (or the last bytes) cannot both win, and
 * nothing is signed before the reservation holds. A start that fails after
 * its reservation gives it back ({@link releaseDrop}).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, linkUploads, shareLinks, uploads } from '../../shared/db/schema.ts';
import { type UploadRecord, uploadRecordColumns } from '../uploads/upload-store.ts';

export type ReserveOutcome = { ok: true } | { ok: false; reason: 'closed' | 'files' | 'bytes' | 'file_size' };

/**
 * Reserves one file of `size` bytes on a live upload link, atomically.
 * `closed`: revoked, expired or no longer accepting uploads; otherwise the cap that refused it.
 */
export async function reserveDrop(db: Database, linkId: string, size: number): Promise<ReserveOutcome> {
  const l = shareLinks;
  const rows = await db
    .update(l)
    .set({ uploadFiles: sql`${l.uploadFiles} + 1`, uploadBytes: sql`${l.uploadBytes} + ${size}` })
    .where(
      and(
        eq(l.id, linkId),
        eq(l.allowUpload, true),
        sql`${l.revokedAt} is null`,
        sql`${l.expiresAt} > now()`,
        sql`(${l.maxUploadFileSize} is null or ${size}::bigint <= ${l.maxUploadFileSize})`,
        sql`(${l.maxUploadFiles} is null or ${l.uploadFiles} + 1 <= ${l.maxUploadFiles})`,
        sql`(${l.maxUploadBytes} is null or ${l.uploadBytes} + ${size}::bigint <= ${l.maxUploadBytes})`,
      ),
    )
    .returning({ id: l.id });
  if (rows.length === 1) return { ok: true };
  // Refused: say which rule, from a fresh read (it may have changed since, which changes nothing: nothing was reserved).
  const [row] = await db
    .select({
      allowUpload: l.allowUpload,
      revokedAt: l.revokedAt,
      expiresAt: l.expiresAt,
      maxUploadFileSize: l.maxUploadFileSize,
      maxUploadFiles: l.maxUploadFiles,
      uploadFiles: l.uploadFiles,
    })
    .from(l)
    .where(eq(l.id, linkId))
    .limit(1);
  if (!row?.allowUpload || row.revokedAt !== null || row.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'closed' };
  if (row.maxUploadFileSize !== null && size > row.maxUploadFileSize) return { ok: false, reason: 'file_size' };
  if (row.maxUploadFiles !== null && row.uploadFiles + 1 > row.maxUploadFiles) return { ok: false, reason: 'files' };
  return { ok: false, reason: 'bytes' };
}

/** Gives back a reservation whose upload never started (or was aborted before any object existed). */
export async function releaseDrop(db: Database, linkId: string, size: number): Promise<void> {
  const l = shareLinks;
  await db
    .update(l)
    .set({ uploadFiles: sql`greatest(${l.uploadFiles} - 1, 0)`, uploadBytes: sql`greatest(${l.uploadBytes} - ${size}::bigint, 0)` })
    .where(eq(l.id, linkId));
}

/** The link's counters (for its managers). */
export async function dropCounters(db: Database, linkId: string): Promise<{ files: number; bytes: number }> {
  const [row] = await db
    .select({ files: shareLinks.uploadFiles, bytes: shareLinks.uploadBytes })
    .from(shareLinks)
    .where(eq(shareLinks.id, linkId))
    .limit(1);
  return row ?? { files: 0, bytes: 0 };
}

/**
 * The multipart upload with this S3 id and key that was started through this
 * link, or null: an upload of the app, of another link, or an unknown id all
 * look the same.
 */
export async function findDropUpload(db: Database, linkId: string, s3UploadId: string, key: string): Promise<UploadRecord | null> {
  const [row] = await db
    .select(uploadRecordColumns)
    .from(uploads)
    .innerJoin(assets, eq(assets.id, uploads.assetId))
    .innerJoin(linkUploads, eq(linkUploads.assetId, uploads.assetId))
    .where(and(eq(uploads.s3UploadId, s3UploadId), eq(uploads.key, key), eq(linkUploads.linkId, linkId)))
    .limit(1);
  return row ?? null;
}
