/**
 * The stuck-job sweeper on PGlite and PostgreSQL with a hand-moved clock:
 * retries while attempts last, then `failed` + "timed out"; never touches
 * jobs that are fresh or finished; two sweepers never both act.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobStateChangeEvent } from '../../origin/events/mediaconvert.ts';
import { OriginError } from '../../origin/core/errors.ts';
import { sweepStuckJobs, transcodeDeadlineMs, TRANSCODE_FLOOR_MS } from '../../origin/pipeline/sweeper.ts';
import { completeVideoJob, TRANSCODE_JOB_TYPE } from '../../origin/pipeline/video-complete.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { assetRow, clock, createAsset, createJob, DRIVERS, jobRow, makeDeps, openDb, recordingTranscoder } from './support/video-env.ts';

const MIN = 60_000;

describe.each(DRIVERS)('sweeper on $name', ({ driver }) => {
  let handle: DatabaseHandle;
  const t = clock();

  beforeAll(async () => {
    handle = await openDb(driver);
  });
  afterAll(async () => handle?.close());

  const deps = (transcoder = recordingTranscoder()) => makeDeps(handle.db, { now: t.now, transcoder });

  /** An asset with one job whose row last moved `idleMin` minutes ago. */
  async function stuck(
    type: string,
    idleMin: number,
    job: { status?: 'queued' | 'processing' | 'succeeded' | 'failed'; attempts?: number; externalId?: string } = {},
    asset: Parameters<typeof createAsset>[1] = {},
  ) {
    const assetId = await createAsset(handle.db, asset);
    const at = new Date(t.now().getTime() - idleMin * MIN);
    const jobId = await createJob(handle.db, { assetId, type, status: 'processing', attempts: 1, startedAt: at, updatedAt: at, ...job });
    return { assetId, jobId };
  }

  it('resubmits a transcode idle past its bound, with the next attempt and the source facts ingest recorded', async () => {
    const d = deps();
    const { assetId, jobId } = await stuck(
      TRANSCODE_JOB_TYPE,
      121,
      { externalId: 'mc-old' },
      { metadata: { width: 1280, height: 720, hasAudio: false } },
    );
    // A one-byte original is a short video: its bound is the floor of 10 minutes.
    const fresh = await stuck(TRANSCODE_JOB_TYPE, 9);
    const res = await sweepStuckJobs(d);
    expect(res.resubmitted).toContain(jobId);
    expect(res.resubmitted).not.toContain(fresh.jobId);
    const transcoder = d.transcoder as ReturnType<typeof recordingTranscoder>;
    expect(transcoder.requests.find((r) => r.jobId === jobId)).toEqual({
      assetId,
      jobId,
      inputBucket: 'raw',
      inputKey: originalKey(assetId),
      outputBucket: 'derivatives',
      outputPrefix: `${assetId}/`,
      attempt: 1,
      source: { width: 1280, height: 720, hasAudio: false },
    });
    expect(await jobRow(handle.db, jobId)).toMatchObject({
      status: 'processing',
      attempts: 2,
      externalId: expect.stringMatching(/^resubmitted-/),
      updatedAt: t.now(),
    });
    expect(await assetRow(handle.db, assetId)).toMatchObject({ status: 'processing' });
    expect(await jobRow(handle.db, fresh.jobId)).toMatchObject({ attempts: 1, status: 'processing' });
    // The superseded MediaConvert job's late completion is ignored.
    const late = jobStateChangeEvent({
      jobId: 'mc-old',
      status: 'ERROR',
      userMetadata: { assetId, jobId },
      errorCode: 1,
      errorMessage: 'old',
    });
    expect(await completeVideoJob(d, late)).toEqual({ result: 'ignored', reason: 'stale_job' });
  });

  it('requeues an ingest idle past 30 min so the next delivery takes over', async () => {
    const { jobId } = await stuck('ingest', 31);
    const fresh = await stuck('ingest', 29);
    const res = await sweepStuckJobs(deps());
    expect(res.requeued).toContain(jobId);
    expect(await jobRow(handle.db, jobId)).toMatchObject({
      status: 'queued',
      attempts: 2,
      error: expect.stringMatching(/^requeued by the sweeper/),
    });
    expect(await jobRow(handle.db, fresh.jobId)).toMatchObject({ status: 'processing', attempts: 1 });
  });

  it('fails a job out of attempts: job failed, asset failed "timed out"; a ready asset stays ready', async () => {
    const a = await stuck('ingest', 40, { attempts: 3 });
    const b = await stuck('ingest', 40, { attempts: 3, status: 'queued' }, { status: 'ready' });
    const res = await sweepStuckJobs(deps());
    expect(res.failed).toEqual(expect.arrayContaining([a.jobId, b.jobId]));
    expect(await jobRow(handle.db, a.jobId)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^timed out: 40 min without progress, 3 attempt/),
      finishedAt: t.now(),
    });
    expect(await assetRow(handle.db, a.assetId)).toMatchObject({ status: 'failed', statusReason: 'timed out' });
    expect(await assetRow(handle.db, b.assetId)).toMatchObject({ status: 'ready' });
  });

  it('does not retry for a soft-deleted asset, and never touches finished jobs', async () => {
    const d = deps();
    const gone = await stuck(TRANSCODE_JOB_TYPE, 500, {}, { deletedAt: t.now() });
    const done = await stuck(TRANSCODE_JOB_TYPE, 500, { status: 'succeeded' }, { status: 'ready' });
    const failed = await stuck('ingest', 500, { status: 'failed' }, { status: 'failed' });
    const res = await sweepStuckJobs(d);
    expect(res.failed).toContain(gone.jobId);
    expect((d.transcoder as ReturnType<typeof recordingTranscoder>).requests.map((r) => r.jobId)).not.toContain(gone.jobId);
    expect(await jobRow(handle.db, done.jobId)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await jobRow(handle.db, failed.jobId)).toMatchObject({ status: 'failed', attempts: 1, error: null });
  });

  it('ends a transcode that never completes as failed after its attempts: nothing stays processing forever', async () => {
    const transcoder = recordingTranscoder();
    const { assetId, jobId } = await stuck(TRANSCODE_JOB_TYPE, 0);
    const states: string[] = [];
    for (let i = 0; i < 4; i++) {
      t.advance(121 * MIN);
      await sweepStuckJobs(deps(transcoder));
      const job = await jobRow(handle.db, jobId);
      states.push(`${job!.status}/${job!.attempts}`);
    }
    expect(states).toEqual(['processing/2', 'processing/3', 'failed/3', 'failed/3']);
    expect(transcoder.requests.filter((r) => r.jobId === jobId).map((r) => r.attempt)).toEqual([1, 2]);
    expect(await assetRow(handle.db, assetId)).toMatchObject({ status: 'failed', statusReason: 'timed out' });
  });

  it('fails at once when MediaConvert refuses the resubmission; waits for the next sweep when it is unreachable', async () => {
    const refused = await stuck(TRANSCODE_JOB_TYPE, 200);
    await sweepStuckJobs(deps(recordingTranscoder(new OriginError('submit_rejected', 'BadRequestException'))));
    expect(await jobRow(handle.db, refused.jobId)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/resubmission refused \(submit_rejected/),
    });
    expect(await assetRow(handle.db, refused.assetId)).toMatchObject({ status: 'failed', statusReason: 'timed out' });

    const down = await stuck(TRANSCODE_JOB_TYPE, 200);
    await sweepStuckJobs(deps(recordingTranscoder(new OriginError('submit_failed', 'HTTP 503'))));
    expect(await jobRow(handle.db, down.jobId)).toMatchObject({
      status: 'processing',
      attempts: 2,
      updatedAt: t.now(),
      error: expect.stringMatching(/^resubmission failed: submit_failed/),
    });
  });

  it('lets only one of two concurrent sweepers act on a job', async () => {
    const transcoder = recordingTranscoder();
    const { jobId } = await stuck(TRANSCODE_JOB_TYPE, 300);
    await Promise.all([sweepStuckJobs(deps(transcoder)), sweepStuckJobs(deps(transcoder))]);
    expect(transcoder.requests.filter((r) => r.jobId === jobId)).toHaveLength(1);
    expect(await jobRow(handle.db, jobId)).toMatchObject({ attempts: 2 });
  });

  it('bounds a transcode by its running time: recorded, or estimated from the size and capped', async () => {
    const d = deps();
    const minute = await stuck(TRANSCODE_JOB_TYPE, 12, {}, { metadata: { durationSec: 60 } });
    const minuteLate = await stuck(TRANSCODE_JOB_TYPE, 14, {}, { metadata: { video: { durationSec: 60 } } });
    const film = await stuck(TRANSCODE_JOB_TYPE, 200, {}, { metadata: { durationSec: 7200 } });
    const bigUnknown = await stuck(TRANSCODE_JOB_TYPE, 100, {}, { size: 600_000_000 });
    const bigUnknownLate = await stuck(TRANSCODE_JOB_TYPE, 121, {}, { size: 600_000_000 });
    const res = await sweepStuckJobs(d);
    expect(res.resubmitted).toEqual(expect.arrayContaining([minuteLate.jobId, bigUnknownLate.jobId]));
    for (const j of [minute, film, bigUnknown]) expect(res.resubmitted).not.toContain(j.jobId);
    expect(transcodeDeadlineMs(60, 1, 120 * MIN)).toBe(TRANSCODE_FLOOR_MS + 3 * MIN);
    expect(transcodeDeadlineMs(7200, 1, 120 * MIN)).toBe(TRANSCODE_FLOOR_MS + 6 * 60 * MIN);
    expect(transcodeDeadlineMs(undefined, 600_000_000, 120 * MIN)).toBe(120 * MIN);
    expect(transcodeDeadlineMs(undefined, 1_250_000, 120 * MIN)).toBe(TRANSCODE_FLOOR_MS + 30_000);
  });

  it('takes its deadlines from the options', async () => {
    const { jobId } = await stuck(TRANSCODE_JOB_TYPE, 15);
    const res = await sweepStuckJobs(deps(), { deadlineMinutes: { transcode: 10 }, maxAttempts: 1 });
    expect(res.failed).toContain(jobId);
  });
});
