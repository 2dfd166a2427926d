/**
 * Ingest's side of video: one `transcode` job row per asset and at most one
 * submission per row. The row is created before the transcoder is called, and
 * its external id recorded after, so a redelivered message finds the job
 * submitted and does not start a second transcode. (A crash between submit and
 * record can still submit twice; outputs land on the same deterministic keys,
 * so the second run overwrites the first.) The completion handler
 * (origin/handlers/mediaconvert-complete.ts) owns the job from then on.
 */
import { and, eq, sql } from 'drizzle-orm';
import { jobs } from '../../shared/db/schema.ts';
import type { PipelineDeps } from '../core/deps.ts';
import { TRANSCODE_JOB_TYPE } from './video-complete.ts';

export interface Handoff {
  jobId: string;
  externalId: string | null;
  /** False when an earlier delivery had already submitted it. */
  submitted: boolean;
}

export async function handOffVideo(deps: PipelineDeps, assetId: string, inputKey: string): Promise<Handoff> {
  const now = deps.now();
  await deps.db
    .insert(jobs)
    .values({ assetId, type: TRANSCODE_JOB_TYPE, status: 'queued', updatedAt: now })
    .onConflictDoNothing({ target: [jobs.assetId, jobs.type] });
  const [job] = await deps.db
    .select({ id: jobs.id, status: jobs.status, externalId: jobs.externalId, attempts: jobs.attempts })
    .from(jobs)
    .where(and(eq(jobs.assetId, assetId), eq(jobs.type, TRANSCODE_JOB_TYPE)));
  if (!job) throw new Error(`transcode job of ${assetId} vanished`);
  if (job.externalId || job.status !== 'queued') return { jobId: job.id, externalId: job.externalId, submitted: false };

  const { externalId } = await deps.transcoder.submit({
    assetId,
    jobId: job.id,
    inputBucket: deps.buckets.raw,
    inputKey,
    outputBucket: deps.buckets.derivatives,
    outputPrefix: `${assetId}/`,
    // Ingest cannot probe video in Lambda (no ffprobe), so no `source`: the whole ladder is planned.
    attempt: job.attempts,
  });
  const at = deps.now();
  // The completion may already have arrived (a fast local transcoder): never move a finished job back.
  await deps.db
    .update(jobs)
    .set({
      externalId: sql`coalesce(${jobs.externalId}, ${externalId})`,
      status: sql`case when ${jobs.status} = 'queued' then 'processing'::job_status else ${jobs.status} end`,
      attempts: sql`${jobs.attempts} + 1`,
      startedAt: sql`coalesce(${jobs.startedAt}, ${at.toISOString()}::timestamptz)`,
      updatedAt: at,
    })
    .where(eq(jobs.id, job.id));
  return { jobId: job.id, externalId, submitted: true };
}
