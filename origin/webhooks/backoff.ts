/**
 * When a failed delivery is tried again (the Standard Webhooks reference
 * schedule): at once, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
 * — eight attempts over about 27.5 hours. After the last one the delivery
 * is failed and its endpoint disabled with a reason.
 */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** The delay after attempt number `attempt` (1-based) failed, or null when it was the last. */
export function retryDelayMs(attempt: number): number | null {
  return RETRY_DELAYS_MS[attempt - 1] ?? null;
}
