/**
 * Scheduled Lambda (every 15 minutes): finalises jobs stuck past their
 * deadline. Thin: settings from the runtime's environment, then the sweeper.
 */
import { sweepStuckJobs, type SweepResult } from '../pipeline/sweeper.ts';
import { getRuntime } from './runtime.ts';

export async function handler(): Promise<SweepResult> {
  const rt = await getRuntime();
  const result = await sweepStuckJobs(rt, {
    deadlineMinutes: { ingest: rt.env.SWEEP_INGEST_DEADLINE_MINUTES, transcode: rt.env.SWEEP_TRANSCODE_DEADLINE_MINUTES },
    maxAttempts: rt.env.SWEEP_MAX_ATTEMPTS,
  });
  rt.log.info('sweep done', { resubmitted: result.resubmitted.length, requeued: result.requeued.length, failed: result.failed.length });
  return result;
}
