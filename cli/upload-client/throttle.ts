/**
 * A shared pace for every part in flight (`--limit-rate`): each chunk waits
 * until the bytes before it would have gone out at `bytesPerSecond`.
 */
export class Throttle {
  private next = 0;

  constructor(private readonly bytesPerSecond: number) {
    if (!(bytesPerSecond > 0)) throw new RangeError('the rate must be positive');
  }

  async take(bytes: number): Promise<void> {
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + (bytes / this.bytesPerSecond) * 1000;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}
