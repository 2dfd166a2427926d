/**
 * The stuck-job sweeper: no job stays `queued` or `processing` forever.
 *
 * A job whose row has not moved for longer than its deadline is, while it
 * has attempts left (ingest: 30 min by default; transcode: a bound from the
 * video's running time, transcodeDeadlineMs):
 * - transcode: resubmitted through the transcoder (attempt + 1, new external
 *   id; a late event from the old MediaConvert job is then ignored as stale);
 * - ingest and anything else: put back to `queued` (attempt + 1) so the next
 *   SQS delivery of its object takes it over.
 * Out of attempts (or the asset is soft-deleted, or resubmission is refused)
 * the job is `failed` and the asset `failed` with reason "timed out".
 *
 * Every change is a compare-and-set ("still this status and still idle past
 * the deadline"), so two sweepers, or a sweeper racing a worker that just
 * made progress, never both act.
 */
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import { assets, jobs } from '../../shared/db/schema.ts';
import { enqueueAssetEvent } from '../../shared/webhooks/outbox.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import type { PipelineDeps, VideoJobRequest } from '../core/deps.ts';
import { describeError, isOriginError } from '../core/errors.ts';
import { TRANSCODE_JOB_TYPE } from './video-complete.ts';

export interface SweeperOptions {
  /**
   * Minutes without progress before a job of that type is stuck; `default`
   * covers other types. `transcode` caps the bound of a video whose running
   * time is unknown (transcodeDeadlineMs).
   */
  deadlineMinutes?: { ingest?: number; transcode?: number; default?: number };
  /** Attempts (the first run included) before a stuck job is failed. @default 3 */
  maxAttempts?: number;
  /** Jobs looked at per run. @default 200 */
  batchSize?: number;
}

export interface SweepResult {
  resubmitted: string[];
  requeued: string[];
  failed: string[];
}

export const TIMED_OUT = 'timed out';
const IN_FLIGHT_ASSET = ['pending', 'uploaded', 'processing'] as const;

type Job = typeof jobs.$inferSelect;

/** A transcode gets this long at least (queueing, a cold MediaConvert, a short clip). */
export const TRANSCODE_FLOOR_MS = 10 * 60_000;
/** ...plus this many seconds per second of video (MediaConvert runs well under real time per output). */
export const TRANSCODE_SECONDS_PER_SECOND = 3;
/** Bitrate assumed to estimate a running time from the size when ingest recorded none: low, so the estimate is long. */
const ASSUMED_BYTES_PER_SECOND = 125_000;

/**
 * How long a transcode may go without reporting before it counts as lost: the
 * floor plus a multiple of the running time. Unknown running time (ingest does
 * not probe video in Lambda) is estimated from the size at 1 Mbit/s, and that
 * guess is capped at `capMs`.
 */
export function transcodeDeadlineMs(durationSec: number | undefined, sizeBytes: number, capMs: number): number {
  if (durationSec && durationSec > 0) return TRANSCODE_FLOOR_MS + durationSec * TRANSCODE_SECONDS_PER_SECOND * 1000;
  const estimate = sizeBytes / ASSUMED_BYTES_PER_SECOND;
  return Math.min(capMs, TRANSCODE_FLOOR_MS + estimate * TRANSCODE_SECONDS_PER_SECOND * 1000);
}

/** The running time ingest or an earlier transcode recorded, in seconds. */
function durationOf(meta: Record<string, unknown>): number | undefined {
  const video = (meta.video ?? {}) as Record<string, unknown>;
  for (const v of [meta.durationSec, video.durationSec]) if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  return undefined;
}

/** The source facts ingest recorded, if it used these names (width/height/durationSec/hasAudio). */
function sourceFrom(meta: Record<string, unknown>): VideoJobRequest['source'] {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
  const width = num(meta.width);
  const height = num(meta.height);
  const durationSec = num(meta.durationSec);
  const hasAudio = typeof meta.hasAudio === 'boolean' ? meta.hasAudio : undefined;
  if (!width && !height && !durationSec && hasAudio === undefined) return undefined;
  return {
    ...(width ? { width } : {}),
    ...(height ? { height } : {}),
    ...(durationSec ? { durationSec } : {}),
    ...(hasAudio !== undefined ? { hasAudio } : {}),
  };
}

export async function sweepStuckJobs(deps: PipelineDeps, opts: SweeperOptions = {}): Promise<SweepResult> {
  const minutes = { ingest: 30, transcode: 120, default: 30, ...opts.deadlineMinutes };
  const maxAttempts = opts.maxAttempts ?? 3;
  const now = deps.now();
  const deadlineOf = (job: Job, meta: Record<string, unknown>, size: number) =>
    job.type === TRANSCODE_JOB_TYPE
      ? transcodeDeadlineMs(durationOf(meta), size, minutes.transcode * 60_000)
      : (minutes[job.type as 'ingest'] ?? minutes.default) * 60_000;
  const earliest = Math.min(minutes.ingest, minutes.default, minutes.transcode, TRANSCODE_FLOOR_MS / 60_000) * 60_000;

  const stuck = await deps.db
    .select({ job: jobs, assetDeleted: assets.deletedAt, metadata: assets.metadata, size: assets.size })
    .from(jobs)
    .innerJoin(assets, eq(assets.id, jobs.assetId))
    .where(and(inArray(jobs.status, ['queued', 'processing']), lt(jobs.updatedAt, new Date(now.getTime() - earliest))))
    .orderBy(asc(jobs.updatedAt))
    .limit(opts.batchSize ?? 200);

  const result: SweepResult = { resubmitted: [], requeued: [], failed: [] };
  for (const { job, assetDeleted, metadata, size } of stuck) {
    const idleMs = now.getTime() - job.updatedAt.getTime();
    const deadline = deadlineOf(job, metadata, size);
    if (idleMs <= deadline) continue;
    const idle = `${Math.round(idleMs / 60_000)} min without progress`;
    const still: Expect = { status: job.status, idleSince: new Date(now.getTime() - deadline) };
    if (job.attempts >= maxAttempts || assetDeleted) {
      if (await fail(deps, job, still, `${TIMED_OUT}: ${idle}, ${job.attempts} attempt(s)`)) result.failed.push(job.id);
      continue;
    }
    if (job.type === TRANSCODE_JOB_TYPE) {
      const outcome = await resubmit(deps, job, still, sourceFrom(metadata), idle);
      if (outcome) result[outcome].push(job.id);
      continue;
    }
    const requeued = await claim(deps, job, still, { status: 'queued', error: `requeued by the sweeper: ${idle}` });
    if (requeued) {
      deps.log.warn('stuck job requeued', { jobId: job.id, assetId: job.assetId, type: job.type, attempts: job.attempts + 1 });
      result.requeued.push(job.id);
    }
  }
  return result;
}

/** What the row must still be for the sweeper to act: this status, not updated since `idleSince`. */
interface Expect {
  status: Job['status'];
  idleSince: Date;
}

const still = (id: string, e: Expect) => and(eq(jobs.id, id), eq(jobs.status, e.status), lt(jobs.updatedAt, e.idleSince));

/** Compare-and-set: applies `set` and counts an attempt only if the row is still stuck. */
async function claim(deps: PipelineDeps, job: Job, e: Expect, set: Partial<Job>): Promise<boolean> {
  const rows = await deps.db
    .update(jobs)
    .set({ ...set, attempts: sql`${jobs.attempts} + 1`, updatedAt: deps.now() })
    .where(still(job.id, e))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

async function resubmit(
  deps: PipelineDeps,
  job: Job,
  e: Expect,
  source: VideoJobRequest['source'],
  idle: string,
): Promise<'resubmitted' | 'failed' | null> {
  const now = deps.now();
  if (!(await claim(deps, job, e, { status: 'processing', startedAt: now, error: `resubmitted by the sweeper: ${idle}` }))) return null;
  try {
    const { externalId } = await deps.transcoder.submit({
      assetId: job.assetId,
      jobId: job.id,
      inputBucket: deps.buckets.raw,
      inputKey: originalKey(job.assetId),
      outputBucket: deps.buckets.derivatives,
      outputPrefix: `${job.assetId}/`,
      attempt: job.attempts,
      ...(source ? { source } : {}),
    });
    await deps.db.update(jobs).set({ externalId, updatedAt: deps.now() }).where(eq(jobs.id, job.id));
    deps.log.warn('stuck transcode resubmitted', { jobId: job.id, assetId: job.assetId, externalId, previous: job.externalId });
    return 'resubmitted';
  } catch (err) {
    const error = describeError(err);
    deps.log.error('resubmitting a stuck transcode failed', { jobId: job.id, assetId: job.assetId, error });
    // Only while the row is still ours: claimed just now, no completion since.
    const ours: Expect = { status: 'processing', idleSince: new Date(deps.now().getTime() + 1) };
    // A refused job will be refused again: fail now. Anything else waits for the next sweep.
    if (isOriginError(err) && err.permanent) {
      return (await fail(deps, job, ours, `${TIMED_OUT}: resubmission refused (${error})`)) ? 'failed' : null;
    }
    await deps.db
      .update(jobs)
      .set({ error: `resubmission failed: ${error}`, updatedAt: deps.now() })
      .where(still(job.id, ours));
    return null;
  }
}

async function fail(deps: PipelineDeps, job: Job, e: Expect, error: string): Promise<boolean> {
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const rows = await tx
      .update(jobs)
      .set({ status: 'failed', error, finishedAt: now, updatedAt: now })
      .where(still(job.id, e))
      .returning({ id: jobs.id });
    if (rows.length === 0) return false;
    const moved = await tx
      .update(assets)
      .set({ status: 'failed', statusReason: TIMED_OUT, updatedAt: now })
      .where(and(eq(assets.id, job.assetId), inArray(assets.status, [...IN_FLIGHT_ASSET])))
      .returning({ id: assets.id });
    if (moved.length > 0) await enqueueAssetEvent(tx, 'asset.failed', job.assetId, { status: 'failed', reason: TIMED_OUT }, now);
    deps.log.warn('stuck job failed', { jobId: job.id, assetId: job.assetId, type: job.type, error });
    return true;
  });
}
