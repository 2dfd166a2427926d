/**
 * Share-link rows and the view their managers get. A link's token
 * (shared/tokens/share-token.ts) names the link, resource, permission and
 * expiry, but the row stays the truth: /s and /api/share read it on every
 * request, so revoking, shortening, a new password or a new cap apply at
 * once. Tokens are not stored; the managers' view signs a fresh one for a
 * live link (any number of tokens for one link are equally valid, and all
 * end with its row).
 */
import { outboxInsertSql } from '../../shared/webhooks/outbox.ts';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { shareLinks } from '../../shared/db/schema.ts';
import { signShareToken, type KeySet, type PartyOptions } from '../../shared/tokens/index.ts';
import type { ResourceRef } from './resource-access.ts';
import type { ShareLinkView } from './schemas.ts';
import { uploadView, type UploadColumns } from '../drops/drop-settings.ts';

export type ShareLinkRow = typeof shareLinks.$inferSelect;
export type LinkStatus = 'active' | 'expired' | 'revoked';

export const linkStatus = (row: Pick<ShareLinkRow, 'revokedAt' | 'expiresAt'>, now: Date): LinkStatus =>
  row.revokedAt !== null ? 'revoked' : row.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';

/** A token for the row's current resource, permission and expiry; null when the link is not active. */
export async function tokenFor(keys: KeySet, party: PartyOptions, row: ShareLinkRow, now: Date): Promise<string | null> {
  // A token must outlive its issue second; a link ending within it gets none.
  if (linkStatus(row, now) !== 'active' || row.expiresAt.getTime() - now.getTime() < 1000) return null;
  return signShareToken(keys, {
    ...party,
    linkId: row.id,
    resource: { type: row.resourceType, id: row.resourceId },
    permission: row.permission,
    expiresAt: row.expiresAt,
    now,
  });
}

export async function linkView(keys: KeySet, party: PartyOptions, row: ShareLinkRow, now = new Date()): Promise<ShareLinkView> {
  const token = await tokenFor(keys, party, row, now);
  return {
    id: row.id,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    permission: row.permission,
    status: linkStatus(row, now),
    expiresAt: row.expiresAt.toISOString(),
    hasPassword: row.passwordHash !== null,
    allowDownload: row.allowDownload,
    maxDownloads: row.maxDownloads,
    downloadCount: row.downloadCount,
    viewCount: row.viewCount,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    upload: uploadView(row),
    token,
    url: token ? `/s/${token}/` : null,
    apiUrl: token ? `/api/share/${token}` : null,
  };
}

export interface NewLink {
  resource: ResourceRef;
  createdBy: string;
  permission: 'view' | 'download';
  expiresAt: Date;
  passwordHash: string | null;
  allowDownload: boolean;
  maxDownloads: number | null;
  upload: UploadColumns;
}

export async function insertLink(db: Database, link: NewLink): Promise<ShareLinkRow> {
  const [row] = await db
    .insert(shareLinks)
    .values({
      resourceType: link.resource.type,
      resourceId: link.resource.id,
      createdBy: link.createdBy,
      permission: link.permission,
      expiresAt: link.expiresAt,
      passwordHash: link.passwordHash,
      allowDownload: link.allowDownload,
      maxDownloads: link.maxDownloads,
      ...link.upload,
    })
    .returning();
  return row!;
}

export async function loadLinkRow(db: Database, id: string): Promise<ShareLinkRow | null> {
  const [row] = await db.select().from(shareLinks).where(eq(shareLinks.id, id)).limit(1);
  return row ?? null;
}

/** The resource's links, newest first (at most 500: a resource with more has bigger problems). */
export async function listLinks(db: Database, ref: ResourceRef): Promise<ShareLinkRow[]> {
  return db
    .select()
    .from(shareLinks)
    .where(and(eq(shareLinks.resourceType, ref.type), eq(shareLinks.resourceId, ref.id)))
    .orderBy(desc(shareLinks.createdAt), desc(shareLinks.id))
    .limit(500);
}

export interface LinkPatch {
  permission?: 'view' | 'download';
  expiresAt?: Date;
  passwordHash?: string | null;
  allowDownload?: boolean;
  maxDownloads?: number | null;
  /** Upload settings, replaced as a whole (edge/drops/drop-settings.ts). */
  upload?: UploadColumns | undefined;
  /**
   * Whoever changes a link answers for it from then on: the link counts only
   * while they may share its resource (a manager who raises an owner's link
   * to download cannot leave it raised after losing manage).
   */
  createdBy?: string;
}

/** Applies the patch to a link that is not revoked; null when it was revoked meanwhile. */
export async function updateLink(db: Database, id: string, patch: LinkPatch): Promise<ShareLinkRow | null> {
  const { upload, ...rest } = patch;
  const [row] = await db
    .update(shareLinks)
    .set({ ...rest, ...upload, updatedAt: sql`now()` })
    .where(and(eq(shareLinks.id, id), sql`${shareLinks.revokedAt} is null`))
    .returning();
  return row ?? null;
}

/** Revokes the link (idempotent: the first revocation time is kept). */
export async function revokeLink(db: Database, id: string): Promise<void> {
  await db
    .update(shareLinks)
    .set({ revokedAt: sql`coalesce(${shareLinks.revokedAt}, now())`, updatedAt: sql`now()` })
    .where(eq(shareLinks.id, id));
}

/** Counts one opening of the link. */
/**
 * Counts one view and, in the same statement, writes `share_link.opened` for
 * the link's creator's endpoints: at most one per link and endpoint a minute,
 * so a holder reloading (or a script hammering) the link cannot flood them.
 */
export async function countView(
  db: Database,
  link: { id: string; resourceType: string; resourceId: string },
  now = new Date(),
): Promise<void> {
  const counted = db
    .update(shareLinks)
    .set({ viewCount: sql`${shareLinks.viewCount} + 1` })
    .where(eq(shareLinks.id, link.id))
    .returning({ id: shareLinks.id })
    .getSQL();
  const event = outboxInsertSql(
    'share_link.opened',
    sql`select l.created_by from share_links l where l.id = ${link.id}::uuid`,
    { linkId: link.id, resourceType: link.resourceType, resourceId: link.resourceId },
    now,
    sql`exists (select 1 from counted) and not exists (
      select 1 from webhook_deliveries d where d.endpoint_id = e.id and d.created_at > now() - interval '${sql.raw(String(OPENED_THROTTLE_SECONDS))} seconds'
        and d.event_type = 'share_link.opened' and d.payload::jsonb->'data'->>'linkId' = ${link.id})`,
  );
  await db.execute(sql`with counted as (${counted}) ${event}`);
}

/** At most one `share_link.opened` per link and endpoint within this many seconds. */
export const OPENED_THROTTLE_SECONDS = 60;
