/**
 * Scheduled Lambda (every minute): delivers due webhook deliveries
 * (origin/webhooks/dispatcher.ts), a few passes while the minute lasts so
 * a 5-second retry is not held for a whole schedule period. Thin: the
 * runtime's settings, then the dispatcher.
 */
import { type DispatchResult, dispatchWebhooks, webhookSettings } from '../webhooks/dispatcher.ts';
import { getRuntime } from './runtime.ts';

/**
 * Stop starting passes after this long. A pass of PASS_LIMIT rows, four at a time with a 10 s
 * deadline each, takes at most ~30 s, so a run ends before the function's 55 s timeout and the
 * next minute's run (infra/constructs/pipeline.ts).
 */
const RUN_FOR_MS = 20_000;
const PASS_LIMIT = 10;
const PAUSE_MS = 5_000;

export async function handler(): Promise<DispatchResult> {
  const rt = await getRuntime();
  const deps = { ...rt, webhooks: webhookSettings(rt.webhookConfig) };
  const total: DispatchResult = { delivered: 0, retrying: 0, failed: 0, disabled: [] };
  const started = Date.now();
  for (;;) {
    const r = await dispatchWebhooks(deps, { limit: PASS_LIMIT });
    total.delivered += r.delivered;
    total.retrying += r.retrying;
    total.failed += r.failed;
    total.disabled.push(...r.disabled);
    if (Date.now() - started > RUN_FOR_MS) break;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  rt.log.info('webhooks dispatched', { ...total, disabled: total.disabled.length });
  return total;
}
