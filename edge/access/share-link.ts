/** The share-link row behind a verified share token, and its download counter. */
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { shareLinks } from '../../shared/db/schema.ts';
import type { LinkFacts } from '../../shared/policy/access.ts';

export interface ShareLinkRecord extends LinkFacts {
  id: string;
  /** The stored hash (never sent anywhere); null when the link has no password. */
  passwordHash: string | null;
  dropOnly: boolean;
  /** Upload ("file drop") settings; the counters are read only where they are reserved (edge/drops/drop-store.ts). */
  allowUpload: boolean;
  uploadKinds: 'any' | 'images' | 'videos';
  maxUploadFiles: number | null;
  maxUploadBytes: number | null;
  maxUploadFileSize: number | null;
}

export async function loadShareLink(db: Database, linkId: string): Promise<ShareLinkRecord | null> {
  const [row] = await db
    .select({
      id: shareLinks.id,
      resourceType: shareLinks.resourceType,
      resourceId: shareLinks.resourceId,
      permission: shareLinks.permission,
      expiresAt: shareLinks.expiresAt,
      revokedAt: shareLinks.revokedAt,
      allowDownload: shareLinks.allowDownload,
      maxDownloads: shareLinks.maxDownloads,
      downloadCount: shareLinks.downloadCount,
      passwordHash: shareLinks.passwordHash,
      createdBy: shareLinks.createdBy,
      dropOnly: shareLinks.dropOnly,
      allowUpload: shareLinks.allowUpload,
      uploadKinds: shareLinks.uploadKinds,
      maxUploadFiles: shareLinks.maxUploadFiles,
      maxUploadBytes: shareLinks.maxUploadBytes,
      maxUploadFileSize: shareLinks.maxUploadFileSize,
    })
    .from(shareLinks)
    .where(eq(shareLinks.id, linkId))
    .limit(1);
  return row ?? null;
}

/**
 * Counts one download against the link's cap, atomically: false when the cap
 * was reached in the meantime (two downloads racing for the last one).
 */
export async function countDownload(db: Database, linkId: string): Promise<boolean> {
  const rows = await db
    .update(shareLinks)
    .set({ downloadCount: sql`${shareLinks.downloadCount} + 1` })
    .where(and(eq(shareLinks.id, linkId), or(isNull(shareLinks.maxDownloads), lt(shareLinks.downloadCount, shareLinks.maxDownloads))))
    .returning({ id: shareLinks.id });
  return rows.length === 1;
}
