/**
 * Abandoned uploads: no upload stays `active` (and its asset `pending`)
 * forever, and no multipart upload keeps parts in S3 after its row is closed.
 *
 * Takes `uploads` rows still `active` past their deadline — a multipart
 * upload past `expires_at` (24 h after it started, edge/uploads/limits.ts), a
 * single PUT/POST a day past its URL's expiry (a request that started in time
 * may still be sending) — and for each:
 * 1. multipart: AbortMultipartUpload in S3 (an upload S3 no longer knows, e.g.
 *    aborted by the bucket's lifecycle rule, counts as aborted);
 * 2. HEAD of the key: when the object exists the upload did finish (a complete
 *    that won the race, a PUT nobody confirmed) and the row becomes `completed`,
 *    leaving the asset to the pipeline;
 * 3. otherwise the row becomes `aborted` and the asset, if still `pending`,
 *    `failed` with reason "upload never completed" (as reconcile.ts fails a
 *    pending asset that has no upload row at all).
 * Every change is conditional on the row still being `active`, so a second
 * run, a concurrent sweeper or a late complete never acts twice. In AWS the
 * raw bucket's lifecycle rule (abort incomplete multipart uploads after 7
 * days) is the backstop for anything this misses.
 */
import { and, asc, eq, inArray, isNotNull, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, uploads } from '../../shared/db/schema.ts';
import type { OriginStorage } from '../core/storage.ts';
import type { Logger } from '../core/deps.ts';
import { NEVER_UPLOADED } from './reconcile.ts';
import { enqueueAssetEvent } from '../../shared/webhooks/outbox.ts';

export const ABANDONED_REASON = NEVER_UPLOADED;

/** How long after its URL expired a single PUT/POST may still be arriving. */
export const SIMPLE_UPLOAD_GRACE_MS = 24 * 60 * 60 * 1000;

export interface AbandonedUploadsDeps {
  db: Database;
  storage: OriginStorage;
  buckets: { raw: string };
  now: () => Date;
  log?: Logger;
}

export interface AbandonedUploadsResult {
  /** Upload row ids closed as aborted (asset failed). */
  aborted: string[];
  /** Upload row ids whose object turned out to exist. */
  completed: string[];
  failed: { id: string; error: string }[];
}

export async function sweepAbandonedUploads(
  deps: AbandonedUploadsDeps,
  opts: { batchSize?: number } = {},
): Promise<AbandonedUploadsResult> {
  const now = deps.now();
  const rows = await deps.db
    .select({ id: uploads.id, assetId: uploads.assetId, key: uploads.key, s3UploadId: uploads.s3UploadId })
    .from(uploads)
    .where(
      and(
        eq(uploads.status, 'active'),
        or(
          and(isNotNull(uploads.s3UploadId), lt(uploads.expiresAt, now)),
          and(isNull(uploads.s3UploadId), lt(uploads.expiresAt, new Date(now.getTime() - SIMPLE_UPLOAD_GRACE_MS))),
        ),
      ),
    )
    .orderBy(asc(uploads.expiresAt))
    .limit(opts.batchSize ?? 200);

  const result: AbandonedUploadsResult = { aborted: [], completed: [], failed: [] };
  for (const row of rows) {
    try {
      if (row.s3UploadId) await deps.storage.abortMultipartUpload(deps.buckets.raw, row.key, row.s3UploadId);
      const arrived = (await deps.storage.head(deps.buckets.raw, row.key)) !== null;
      if (arrived ? await complete(deps.db, row.id, now) : await abort(deps.db, row, now)) {
        (arrived ? result.completed : result.aborted).push(row.id);
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      deps.log?.error('abandoned uploads: could not close an upload', { uploadId: row.id, assetId: row.assetId, error });
      result.failed.push({ id: row.id, error });
    }
  }
  if (rows.length)
    deps.log?.info('abandoned uploads swept', {
      aborted: result.aborted.length,
      completed: result.completed.length,
      failed: result.failed.length,
    });
  return result;
}

async function complete(db: Database, id: string, now: Date): Promise<boolean> {
  const done = await db
    .update(uploads)
    .set({ status: 'completed', completedAt: now })
    .where(and(eq(uploads.id, id), eq(uploads.status, 'active')))
    .returning({ id: uploads.id });
  return done.length > 0;
}

async function abort(db: Database, row: { id: string; assetId: string }, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [done] = await tx
      .update(uploads)
      .set({ status: 'aborted', completedAt: now })
      .where(and(eq(uploads.id, row.id), eq(uploads.status, 'active')))
      .returning({ id: uploads.id });
    if (!done) return false;
    const moved = await tx
      .update(assets)
      .set({ status: 'failed', statusReason: ABANDONED_REASON, updatedAt: now })
      .where(and(eq(assets.id, row.assetId), inArray(assets.status, ['pending'])))
      .returning({ id: assets.id });
    if (moved.length > 0) await enqueueAssetEvent(tx, 'asset.failed', row.assetId, { status: 'failed', reason: ABANDONED_REASON }, now);
    return true;
  });
}
