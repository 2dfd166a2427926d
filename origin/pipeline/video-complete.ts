/**
 * The completion service: a MediaConvert job-state event (from EventBridge in
 * AWS, from the ffmpeg stand-in locally) becomes derivative rows, video facts
 * in `assets.metadata`, a final jobs row and the asset's status.
 *
 * Idempotent and monotonic: a repeated COMPLETE changes nothing, an ERROR or
 * CANCELED never undoes a success, and an event from a job that is no longer
 * the row's external id (the sweeper resubmitted) is ignored.
 */
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { VIDEO_PHASE } from '../../shared/profiles/video.ts';
import { assets, derivatives, jobs } from '../../shared/db/schema.ts';
import { enqueueAssetEvent } from '../../shared/webhooks/outbox.ts';
import type { PipelineDeps } from '../core/deps.ts';
import { describeError, isOriginError } from '../core/errors.ts';
import { parseVideoJobEvent, type VideoJobEvent } from './video-event.ts';
import { collectVideoOutputs, type DerivativeRow, type VideoFacts } from './video-outputs.ts';

/** jobs.type of a video transcode. */
export const TRANSCODE_JOB_TYPE = 'transcode';

export type CompletionOutcome =
  | { result: 'ready'; derivatives: number }
  | { result: 'playable'; derivatives: number }
  | { result: 'failed'; reason: string }
  | { result: 'ignored'; reason: 'unknown_job' | 'stale_job' | 'already_succeeded' | 'duplicate' | 'finished' | 'early_failure' };

type JobRow = typeof jobs.$inferSelect;

/** Asset statuses a transcode outcome may move from (never `ready` -> failed, never out of `blocked`). */
const IN_FLIGHT = ['pending', 'uploaded', 'processing'] as const;

export async function completeVideoJob(deps: PipelineDeps, event: unknown): Promise<CompletionOutcome> {
  const ev = parseVideoJobEvent(event, deps.buckets.derivatives);
  const [job] = await deps.db.select().from(jobs).where(eq(jobs.id, ev.jobId)).limit(1);
  const log = { assetId: ev.assetId, jobId: ev.jobId, externalId: ev.externalId, status: ev.status };
  if (!job || job.assetId !== ev.assetId || job.type !== TRANSCODE_JOB_TYPE) {
    deps.log.warn('job event for an unknown job ignored', log);
    return { result: 'ignored', reason: 'unknown_job' };
  }
  if (ev.phase !== VIDEO_PHASE.ladder) return recordEarly(deps, job, ev);
  if (job.externalId && job.externalId !== ev.externalId) {
    deps.log.warn('job event from a superseded MediaConvert job ignored', { ...log, current: job.externalId });
    return { result: 'ignored', reason: 'stale_job' };
  }

  if (ev.status === 'COMPLETE') {
    if (job.status === 'succeeded') return { result: 'ignored', reason: 'duplicate' };
    let collected: { rows: DerivativeRow[]; facts: VideoFacts };
    try {
      const all = await collectVideoOutputs(deps, ev);
      collected = { rows: all.rows, facts: all.facts! };
    } catch (err) {
      if (isOriginError(err, 'outputs_missing')) return fail(deps, job, ev, describeError(err), describeError(err));
      throw err;
    }
    await recordSuccess(deps, job, ev, collected.rows, collected.facts);
    deps.log.info('video ready', { ...log, derivatives: collected.rows.length });
    return { result: 'ready', derivatives: collected.rows.length };
  }

  if (job.status === 'succeeded') {
    deps.log.warn('late failure event after success ignored', log);
    return { result: 'ignored', reason: 'already_succeeded' };
  }
  const reason = ev.status === 'CANCELED' ? 'transcode canceled' : (ev.errorMessage ?? 'transcode failed');
  const error = `${ev.status === 'CANCELED' ? 'CANCELED' : (ev.errorCode ?? 'ERROR')}: ${reason}`;
  if (job.status === 'failed' && job.error === error) return { result: 'ignored', reason: 'duplicate' };
  return fail(deps, job, ev, error, reason);
}

/**
 * An early phase (`quick`, `preview`): its files become ready derivative
 * rows at once, so the asset is playable; the status stays `processing`
 * until the ladder's event. Its MediaConvert job is not the row's external id
 * (that is the ladder job), and its files land on the same keys whichever
 * attempt wrote them, so it is not checked against it. A failed early phase
 * only logs: the ladder's outcome decides the asset.
 */
async function recordEarly(deps: PipelineDeps, job: JobRow, ev: VideoJobEvent): Promise<CompletionOutcome> {
  const log = { assetId: ev.assetId, jobId: ev.jobId, externalId: ev.externalId, phase: ev.phase };
  if (job.status === 'succeeded' || job.status === 'failed') return { result: 'ignored', reason: 'finished' };
  if (ev.status !== 'COMPLETE') {
    deps.log.warn('early video phase failed; waiting for the ladder', { ...log, error: ev.errorMessage });
    return { result: 'ignored', reason: 'early_failure' };
  }
  const { rows } = await collectVideoOutputs(deps, ev, { partial: true });
  await deps.db.transaction((tx) => upsertReady(tx, ev.assetId, rows));
  deps.log.info('video playable', { ...log, derivatives: rows.length });
  return { result: 'playable', derivatives: rows.length };
}

type Tx = Parameters<Parameters<PipelineDeps['db']['transaction']>[0]>[0];

async function upsertReady(tx: Tx, assetId: string, rows: DerivativeRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await tx
      .insert(derivatives)
      .values(rows.slice(i, i + 500).map((r) => ({ ...r, assetId, status: 'ready' as const })))
      .onConflictDoUpdate({
        target: [derivatives.assetId, derivatives.kind],
        set: {
          key: sql`excluded.key`,
          contentType: sql`excluded.content_type`,
          width: sql`excluded.width`,
          height: sql`excluded.height`,
          size: sql`excluded.size`,
          status: 'ready',
        },
      });
  }
}

async function recordSuccess(deps: PipelineDeps, job: JobRow, ev: VideoJobEvent, rows: DerivativeRow[], facts: VideoFacts): Promise<void> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    await upsertReady(tx, ev.assetId, rows);
    // Merge one level deep: keep what ingest recorded under `video`, add the transcode's facts.
    await tx
      .update(assets)
      .set({
        metadata: sql`${assets.metadata} || jsonb_build_object('video', coalesce(${assets.metadata}->'video', '{}'::jsonb) || ${JSON.stringify(facts)}::jsonb)`,
        updatedAt: now,
      })
      .where(eq(assets.id, ev.assetId));
    // Only a move into `ready` is an event (a re-run on a ready asset is not news).
    const moved = await tx
      .update(assets)
      .set({ status: 'ready', statusReason: null, updatedAt: now })
      .where(and(eq(assets.id, ev.assetId), ne(assets.status, 'blocked')))
      .returning({ was: sql<string>`(select a.status from assets a where a.id = ${ev.assetId}::uuid)` });
    if (moved[0] && moved[0].was !== 'ready') await enqueueAssetEvent(tx, 'asset.ready', ev.assetId, { status: 'ready' }, now);
    await tx
      .update(jobs)
      .set({ status: 'succeeded', error: null, externalId: ev.externalId, finishedAt: now, updatedAt: now })
      .where(eq(jobs.id, job.id));
  });
}

async function fail(deps: PipelineDeps, job: JobRow, ev: VideoJobEvent, error: string, reason: string): Promise<CompletionOutcome> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    const updated = await tx
      .update(jobs)
      .set({ status: 'failed', error, externalId: ev.externalId, finishedAt: now, updatedAt: now })
      .where(and(eq(jobs.id, job.id), ne(jobs.status, 'succeeded')))
      .returning({ id: jobs.id });
    if (updated.length === 0) return;
    const moved = await tx
      .update(assets)
      .set({ status: 'failed', statusReason: reason, updatedAt: now })
      .where(and(eq(assets.id, ev.assetId), inArray(assets.status, [...IN_FLIGHT])))
      .returning({ id: assets.id });
    if (moved.length > 0) await enqueueAssetEvent(tx, 'asset.failed', ev.assetId, { status: 'failed', reason }, now);
  });
  deps.log.warn('video failed', { assetId: ev.assetId, jobId: ev.jobId, externalId: ev.externalId, error });
  return { result: 'failed', reason };
}
