/**
 * Scheduled Lambda (daily): purges soft-deleted assets past retention.
 * Thin: the runtime, then the purge. A run with failures throws after the
 * others are done, so the schedule's retry and the error alarm see it.
 */
import { purgeExpiredAssets, type PurgeResult } from '../pipeline/purge.ts';
import { getRuntime } from './runtime.ts';

export async function handler(): Promise<PurgeResult> {
  const rt = await getRuntime();
  const result = await purgeExpiredAssets(rt, { batchSize: rt.env.PURGE_BATCH_SIZE });
  rt.log.info('purge done', { purged: result.purged.length, failed: result.failed.length });
  if (result.failed.length > 0) {
    throw new Error(
      `purge: ${result.failed.length} asset(s) failed (${result.failed.map((f) => f.assetId).join(', ')}); they stay eligible`,
    );
  }
  return result;
}
