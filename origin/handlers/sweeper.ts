/**
 * Scheduled Lambda (every 15 minutes): reconciles unfinished assets
 * (re-queues the ingest of originals whose event was lost, fails assets whose
 * upload never completed), finalises or resubmits jobs stuck past their
 * deadline, closes abandoned uploads (aborting their S3 multipart uploads;
 * the bucket's 7-day lifecycle rule is the backstop), and deletes expired
 * attempt counters and refresh tokens. Thin: settings from the runtime's
 * environment, then the sweeps.
 */
import { sweepAbandonedUploads, type AbandonedUploadsResult } from '../pipeline/abandoned-uploads.ts';
import { sweepExpiredRows, type ExpiredRowsResult } from '../pipeline/expired-rows.ts';
import { reconcile, type ReconcileResult } from '../pipeline/reconcile.ts';
import { SqsRequeue } from '../pipeline/reconcile-requeue.ts';
import { sweepStuckJobs, type SweepResult } from '../pipeline/sweeper.ts';
import { getRuntime, type Runtime } from './runtime.ts';

/** Re-queues go to the ingest queue with the function's own credentials. */
function requeueFor(rt: Runtime): SqsRequeue | null {
  const { INGEST_QUEUE_URL: queueUrl, AWS_REGION: region, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = rt.env;
  if (!queueUrl || !accessKeyId || !secretAccessKey) return null;
  const sessionToken = rt.env.AWS_SESSION_TOKEN;
  return new SqsRequeue({ queueUrl, region, credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } });
}

export async function handler(): Promise<
  SweepResult & { reconciled: ReconcileResult | null; uploads: AbandonedUploadsResult; expired: ExpiredRowsResult }
> {
  const rt = await getRuntime();
  const requeue = requeueFor(rt);
  if (!requeue) rt.log.warn('reconcile skipped: INGEST_QUEUE_URL or AWS credentials missing');
  const reconciled = requeue ? await reconcile({ ...rt, requeue }) : null;
  const result = await sweepStuckJobs(rt, {
    deadlineMinutes: { ingest: rt.env.SWEEP_INGEST_DEADLINE_MINUTES, transcode: rt.env.SWEEP_TRANSCODE_DEADLINE_MINUTES },
    maxAttempts: rt.env.SWEEP_MAX_ATTEMPTS,
  });
  const uploads = await sweepAbandonedUploads(rt);
  const expired = await sweepExpiredRows(rt);
  rt.log.info('sweep done', {
    requeued: reconciled?.requeued.length ?? 0,
    neverUploaded: reconciled?.neverUploaded.length ?? 0,
    resubmitted: result.resubmitted.length,
    requeuedJobs: result.requeued.length,
    failed: result.failed.length,
    uploadsAborted: uploads.aborted.length,
    uploadsCompleted: uploads.completed.length,
    uploadsFailed: uploads.failed.length,
    expiredCounters: expired.rateCounters,
    expiredRefreshTokens: expired.refreshTokens,
    expiredWebauthnChallenges: expired.webauthnChallenges,
  });
  return { ...result, reconciled, uploads, expired };
}
