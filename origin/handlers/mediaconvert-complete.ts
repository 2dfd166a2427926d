/**
 * Lambda target of the EventBridge rule for MediaConvert job-state events
 * (COMPLETE, ERROR, CANCELED of this stack's queue). Thin: decode, call the
 * completion service, map errors. An event this pipeline cannot understand
 * is logged and dropped (retrying cannot fix it); anything else is thrown so
 * EventBridge retries and, in the end, dead-letters it.
 */
import type { PipelineDeps } from '../core/deps.ts';
import { describeError, isOriginError } from '../core/errors.ts';
import { completeVideoJob, type CompletionOutcome } from '../pipeline/video-complete.ts';
import { getRuntime } from './runtime.ts';

/** The handler body with its dependencies given: the local stack and tests call this. */
export async function handleJobStateChange(deps: PipelineDeps, event: unknown): Promise<CompletionOutcome | { result: 'dropped' }> {
  try {
    return await completeVideoJob(deps, event);
  } catch (err) {
    if (isOriginError(err, 'event_invalid')) {
      deps.log.error('job-state event dropped', { error: describeError(err) });
      return { result: 'dropped' };
    }
    deps.log.error('job-state event failed; EventBridge will retry', { error: describeError(err) });
    throw err;
  }
}

export async function handler(event: unknown): Promise<void> {
  await handleJobStateChange(await getRuntime(), event);
}
