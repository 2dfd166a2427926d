/**
 * Per-source token buckets for the relay's WebSocket upgrades. A flood guard,
 * not an identity check: Cloudflare Workers egress from shared addresses, so
 * one source may carry many legitimate sessions (the default allows 200 at
 * once and 20 a second after that) and an attacker on the same addresses
 * shares the bucket. The caller proof (relay-token.ts) is what keeps strangers
 * out; this bounds how fast any one address can make the relay work.
 */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => Date.now(),
    private readonly maxSources = 50_000,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) {
      throw new Error(`rate limit: ratePerSecond must be > 0 and burst >= 1, got ${ratePerSecond}, ${burst}`);
    }
  }

  /** Takes one token for `source`; false when its bucket is empty. */
  take(source: string): boolean {
    const now = this.now();
    let b = this.buckets.get(source);
    if (!b) {
      if (this.buckets.size >= this.maxSources) this.prune();
      b = { tokens: this.burst, at: now };
      this.buckets.set(source, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.ratePerSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forgets sources whose bucket has refilled (they are indistinguishable from new ones). */
  prune(): void {
    const now = this.now();
    for (const [source, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.ratePerSecond >= this.burst) this.buckets.delete(source);
    }
  }
}
