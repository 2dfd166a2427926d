/**
 * Scheduled Lambda (every minute): delivers due webhook deliveries
 * (origin/webhooks/dispatcher.ts), a few passes while the minute lasts so
 * a 5-second retry is not held for a whole schedule period. Thin: the
 * runtime's settings, then the dispatcher.
 */
import { type DispatchResult, dispatchWebhooks, webhookSettings } from '../webhooks/dispatcher.ts';
import { getRuntime } from './runtime.ts';

/** Stop starting passes after this long (the schedule is 1 minute; the function's timeout is above it). */
const RUN_FOR_MS = 45_000;
const PAUSE_MS = 5_000;

export async function handler(): Promise<DispatchResult> {
  const rt = await getRuntime();
  const deps = { ...rt, webhooks: webhookSettings(rt.webhookConfig) };
  const total: DispatchResult = { delivered: 0, retrying: 0, failed: 0, disabled: [] };
  const started = Date.now();
  for (;;) {
    const r = await dispatchWebhooks(deps);
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
