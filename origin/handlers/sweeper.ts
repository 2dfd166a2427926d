/**
 * Scheduled Lambda (every 15 minutes): finalises jobs stuck past their
 * deadline and closes abandoned uploads (aborting their S3 multipart
 * uploads; the bucket's 7-day lifecycle rule is the backstop), and deletes
 * expired attempt counters and refresh tokens. Thin: settings from the
 * runtime's environment, then the sweeps.
 */
import { sweepAbandonedUploads, type AbandonedUploadsResult } from '../pipeline/abandoned-uploads.ts';
import { sweepExpiredRows, type ExpiredRowsResult } from '../pipeline/expired-rows.ts';
import { sweepStuckJobs, type SweepResult } from '../pipeline/sweeper.ts';
import { getRuntime } from './runtime.ts';

export async function handler(): Promise<SweepResult & { uploads: AbandonedUploadsResult; expired: ExpiredRowsResult }> {
  const rt = await getRuntime();
  const result = await sweepStuckJobs(rt, {
    deadlineMinutes: { ingest: rt.env.SWEEP_INGEST_DEADLINE_MINUTES, transcode: rt.env.SWEEP_TRANSCODE_DEADLINE_MINUTES },
    maxAttempts: rt.env.SWEEP_MAX_ATTEMPTS,
  });
  const uploads = await sweepAbandonedUploads(rt);
  const expired = await sweepExpiredRows(rt);
  rt.log.info('sweep done', {
    resubmitted: result.resubmitted.length,
    requeued: result.requeued.length,
    failed: result.failed.length,
    uploadsAborted: uploads.aborted.length,
    uploadsCompleted: uploads.completed.length,
    uploadsFailed: uploads.failed.length,
    expiredCounters: expired.rateCounters,
    expiredRefreshTokens: expired.refreshTokens,
  });
  return { ...result, uploads, expired };
}
