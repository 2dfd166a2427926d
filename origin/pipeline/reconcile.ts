/**
 * Reconciliation: no asset stays unfinished because an event was lost or a
 * worker died. Run at local start-up, then on a short period (locally a
 * timer, in AWS the sweeper Lambda):
 * 1. with `workersGone` (local start-up: the data lock says no worker of
 *    this data is alive), ingest leases still held are released at once
 *    instead of after INGEST_LEASE_MS;
 * 2. an asset not final (`pending`/`uploaded`/`processing`, not deleted)
 *    whose ingest never started, was given back, or whose lease is stale, and
 *    that nobody touched for `graceMs`: when its original is in storage its
 *    ingest is re-queued (the queue's copy of the S3 event); when it is not,
 *    and it is still `pending` past the upload window with no upload open, it
 *    becomes `failed: upload never completed`. (Uploads with an open row are
 *    closed by abandoned-uploads.ts, which also aborts their multipart uploads.)
 * Stuck transcodes are sweeper.ts's: resubmitted past a bound from the
 * video's duration.
 *
 * Safe to repeat and to race: a re-queued ingest of an asset already done is
 * a no-op, the local queue drops a re-queue whose object is already queued,
 * and every status change is conditional on the status it saw.
 */
import { and, asc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { assets, jobs, uploads } from '../../shared/db/schema.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import type { PipelineDeps } from '../core/deps.ts';
import { describeError } from '../core/errors.ts';
import { INGEST_JOB } from './ingest-store.ts';
import type { IngestRequeue } from './reconcile-requeue.ts';
import { enqueueAssetEvent } from '../../shared/webhooks/outbox.ts';

export const NEVER_UPLOADED = 'upload never completed';

/**
 * How long after its creation an asset may still be waiting for its bytes:
 * a multipart upload may run 24 h, a single PUT may start until its URL
 * expires and still be sending a day later (abandoned-uploads.ts).
 */
export const UPLOAD_WINDOW_MS = 48 * 60 * 60 * 1000;

export interface ReconcileOptions {
  /** Assets updated more recently than this are left to the pipeline in progress. @default 2 min */
  graceMs?: number;
  /** No worker of this data is alive (local start-up): every held ingest lease is dead. */
  workersGone?: boolean;
  /** @default UPLOAD_WINDOW_MS */
  uploadWindowMs?: number;
  /**
   * An ingest lease older than this is dead. @default 15 min, ingest.ts's
   * INGEST_LEASE_MS (not imported: it would pull sharp into the sweeper's bundle)
   */
  leaseMs?: number;
  /** Assets looked at per run. @default 200 */
  batchSize?: number;
}

export interface ReconcileResult {
  /** Ingest job ids whose dead lease was released. */
  released: string[];
  /** Asset ids whose ingest was re-queued. */
  requeued: string[];
  /** Asset ids failed as never uploaded. */
  neverUploaded: string[];
  failed: { assetId: string; error: string }[];
}

const OPEN = ['pending', 'uploaded', 'processing'] as const;

export async function reconcile(deps: PipelineDeps & { requeue: IngestRequeue }, opts: ReconcileOptions = {}): Promise<ReconcileResult> {
  const now = deps.now();
  const result: ReconcileResult = { released: [], requeued: [], neverUploaded: [], failed: [] };
  if (opts.workersGone) {
    const released = await deps.db
      .update(jobs)
      .set({ status: 'queued', error: 'released at start-up: its worker is gone', updatedAt: now })
      .where(and(eq(jobs.type, INGEST_JOB), eq(jobs.status, 'processing')))
      .returning({ id: jobs.id });
    result.released = released.map((r) => r.id);
  }

  const quietSince = new Date(now.getTime() - (opts.graceMs ?? 2 * 60_000));
  const staleLease = new Date(now.getTime() - (opts.leaseMs ?? 15 * 60_000));
  const candidates = await deps.db
    .select({ id: assets.id, status: assets.status, createdAt: assets.createdAt })
    .from(assets)
    .leftJoin(jobs, and(eq(jobs.assetId, assets.id), eq(jobs.type, INGEST_JOB)))
    .where(
      and(
        inArray(assets.status, [...OPEN]),
        isNull(assets.deletedAt),
        lt(assets.updatedAt, quietSince),
        or(isNull(jobs.id), eq(jobs.status, 'queued'), and(eq(jobs.status, 'processing'), lt(jobs.startedAt, staleLease))),
      ),
    )
    .orderBy(asc(assets.updatedAt))
    .limit(opts.batchSize ?? 200);

  const windowStart = new Date(now.getTime() - (opts.uploadWindowMs ?? UPLOAD_WINDOW_MS));
  for (const a of candidates) {
    try {
      const key = originalKey(a.id);
      const head = await deps.storage.head(deps.buckets.raw, key);
      if (head) {
        const sent = await deps.requeue.requeue({
          bucket: deps.buckets.raw,
          key,
          size: head.size,
          etag: head.etag,
          versionId: head.versionId,
        });
        if (sent) result.requeued.push(a.id);
      } else if (a.status === 'pending' && a.createdAt < windowStart && (await neverUploaded(deps, a.id, windowStart))) {
        result.neverUploaded.push(a.id);
      }
    } catch (err) {
      result.failed.push({ assetId: a.id, error: describeError(err) });
    }
  }
  if (result.released.length || result.requeued.length || result.neverUploaded.length || result.failed.length) {
    deps.log.warn('reconciled unfinished assets', {
      released: result.released.length,
      requeued: result.requeued.length,
      neverUploaded: result.neverUploaded.length,
      failed: result.failed,
    });
  }
  return result;
}

/** `pending` -> `failed` unless an upload of it is still open (abandoned-uploads.ts closes those). */
async function neverUploaded(deps: PipelineDeps, assetId: string, windowStart: Date): Promise<boolean> {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const done = await tx
      .update(assets)
      .set({ status: 'failed', statusReason: NEVER_UPLOADED, updatedAt: now })
      .where(
        and(
          eq(assets.id, assetId),
          eq(assets.status, 'pending'),
          lt(assets.createdAt, windowStart),
          sql`not exists (select 1 from ${uploads} where ${uploads.assetId} = ${assets.id} and ${uploads.status} = 'active')`,
        ),
      )
      .returning({ id: assets.id });
    // The owner's webhooks hear of it as of any other failure, in the same transaction.
    if (done.length > 0) await enqueueAssetEvent(tx, 'asset.failed', assetId, { status: 'failed', reason: NEVER_UPLOADED }, now);
    return done.length > 0;
  });
}
