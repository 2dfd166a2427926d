/**
 * Changes to one asset after the route checked the caller's permission:
 * field updates, soft delete, restore and the owner's explicit purge request.
 * Each is one conditional UPDATE, so a concurrent change (a delete racing an
 * edit, a purge racing a restore) is seen as "no row" rather than undone.
 * Bytes are never deleted here: the purge handler in origin/ removes the
 * original, every version and every derivative of assets whose `purge_after`
 * has passed (origin/pipeline/purge.ts).
 */
import { and, eq, gt, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets } from '../../shared/db/schema.ts';

export interface AssetPatch {
  title?: string | null | undefined;
  description?: string | null | undefined;
  visibility?: 'private' | 'public' | undefined;
}

/** Updates a live asset; false when it is (now) in the trash or gone. */
/** `actorId` is who asks: making the asset public records them, and it stays public only while they may share it. */
export async function updateAsset(db: Database, assetId: string, patch: AssetPatch, now: Date, actorId: string): Promise<boolean> {
  const set: Partial<typeof assets.$inferInsert> = { updatedAt: now };
  // An empty title means "no title": the file name shows instead.
  if (patch.title !== undefined) set.title = patch.title === '' ? null : patch.title;
  if (patch.description !== undefined) set.description = patch.description === '' ? null : patch.description;
  if (patch.visibility !== undefined) {
    set.visibility = patch.visibility;
    set.visibilitySetBy = patch.visibility === 'public' ? actorId : null;
  }
  const rows = await db
    .update(assets)
    .set(set)
    .where(and(eq(assets.id, assetId), isNull(assets.deletedAt)))
    .returning({ id: assets.id });
  return rows.length === 1;
}

/** Moves a live asset to its owner's trash; purgeable after `retentionDays`. False when already there. */
export async function softDeleteAsset(
  db: Database,
  assetId: string,
  now: Date,
  retentionDays: number,
): Promise<{ purgeAfter: Date } | null> {
  const purgeAfter = new Date(now.getTime() + retentionDays * 86_400_000);
  const rows = await db
    .update(assets)
    .set({ deletedAt: now, purgeAfter, updatedAt: now })
    .where(and(eq(assets.id, assetId), isNull(assets.deletedAt)))
    .returning({ id: assets.id });
  return rows.length === 1 ? { purgeAfter } : null;
}

export type RestoreResult = 'restored' | 'not_in_trash' | 'purge_pending';

/**
 * Takes an asset out of the trash. Refused once its purge is due (retention
 * over, or the owner asked for the purge): the purge may already be running.
 */
export async function restoreAsset(db: Database, assetId: string, now: Date): Promise<RestoreResult> {
  const rows = await db
    .update(assets)
    .set({ deletedAt: null, purgeAfter: null, updatedAt: now })
    .where(and(eq(assets.id, assetId), isNotNull(assets.deletedAt), or(isNull(assets.purgeAfter), gt(assets.purgeAfter, now))))
    .returning({ id: assets.id });
  if (rows.length === 1) return 'restored';
  const [row] = await db.select({ deletedAt: assets.deletedAt }).from(assets).where(eq(assets.id, assetId)).limit(1);
  return row?.deletedAt ? 'purge_pending' : 'not_in_trash';
}

/** Makes a trashed asset due for purge now (never later than it already was). False when not in the trash. */
export async function requestPurge(db: Database, assetId: string, now: Date): Promise<boolean> {
  const at = sql`${now.toISOString()}::timestamptz`;
  const rows = await db
    .update(assets)
    .set({ purgeAfter: sql`least(coalesce(${assets.purgeAfter}, ${at}), ${at})` })
    .where(and(eq(assets.id, assetId), isNotNull(assets.deletedAt)))
    .returning({ id: assets.id });
  return rows.length === 1;
}
