/** The share-link row behind a verified share token, and its download counter. */
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { shareLinks } from '../../shared/db/schema.ts';
import type { LinkFacts } from '../../shared/policy/access.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import { outboxInsertSql } from '../../shared/webhooks/outbox.ts';

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

interface JsonShareLink extends Omit<ShareLinkRecord, 'expiresAt' | 'revokedAt'> {
  expiresAt: string;
  revokedAt: string | null;
}

/**
 * SQL (a json object, or null): the link row, for a caller that reads it within a larger statement.
 * It must carry every field `loadShareLink` reads — `dropOnly` above all, which the access policy
 * needs to give a drop-only link no rights (test/workers/drop-links.test.ts holds the two together).
 */
export const shareLinkSql = (linkId: string) => sql<JsonShareLink | null>`(
  select json_build_object('id', l.id, 'resourceType', l.resource_type, 'resourceId', l.resource_id,
    'permission', l.permission, 'expiresAt', l.expires_at, 'revokedAt', l.revoked_at,
    'allowDownload', l.allow_download, 'maxDownloads', l.max_downloads, 'downloadCount', l.download_count,
    'passwordHash', l.password_hash, 'createdBy', l.created_by, 'dropOnly', l.drop_only, 'allowUpload', l.allow_upload,
    'uploadKinds', l.upload_kinds, 'maxUploadFiles', l.max_upload_files, 'maxUploadBytes', l.max_upload_bytes,
    'maxUploadFileSize', l.max_upload_file_size)
  from share_links l where l.id = ${linkId}::uuid)`;

/** SQL: the link's creator (a decider of the access policy), within a larger statement. */
export const linkCreatorSql = (linkId: string) => sql`select l.created_by from share_links l where l.id = ${linkId}::uuid`;

export function toShareLinkRecord(json: JsonShareLink | null): ShareLinkRecord | null {
  if (!json) return null;
  return {
    ...json,
    // Fail closed: a statement that forgot the column yields a link with no rights, not one with all.
    dropOnly: json.dropOnly !== false,
    expiresAt: new Date(json.expiresAt),
    revokedAt: json.revokedAt === null ? null : new Date(json.revokedAt),
  };
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
 * was reached in the meantime (two downloads racing for the last one). The
 * same statement writes the `share_link.downloaded` webhook event for the
 * link's creator (shared/webhooks/outbox.ts): counted and reported together.
 */
export async function countDownload(db: Database, linkId: string, assetId: string, now = new Date()): Promise<boolean> {
  const counted = db
    .update(shareLinks)
    .set({ downloadCount: sql`${shareLinks.downloadCount} + 1` })
    .where(and(eq(shareLinks.id, linkId), or(isNull(shareLinks.maxDownloads), lt(shareLinks.downloadCount, shareLinks.maxDownloads))))
    .returning({ id: shareLinks.id })
    .getSQL();
  const event = outboxInsertSql(
    'share_link.downloaded',
    sql`select l.created_by from share_links l where l.id = ${linkId}::uuid`,
    { linkId, assetId },
    now,
    sql`exists (select 1 from counted)`,
  );
  const rows = rowsOf(await db.execute(sql`with counted as (${counted}), event as (${event}) select 1 from counted`));
  return rows.length === 1;
}
