/**
 * Deadlines in workerd while the isolate itself is busy: a password hash
 * (scrypt, synchronous in workerd) holds the one isolate, and an answer that
 * arrived meanwhile must win over a deadline that expired meanwhile. With a
 * plain timer the two race once the isolate is free, and the timer can win:
 * the request is failed for the isolate's own work (shared/deadline.ts).
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { CURRENT_PARAMS, hashPassword } from '../../edge/auth/password.ts';
import { DeadlineError, withDeadline } from '../../shared/deadline.ts';

/**
 * Keeps the isolate busy hashing passwords at production cost (~140 ms a hash on a quiet core)
 * for `ms`: workerd computes scrypt on the isolate's own thread, so nothing else runs meanwhile.
 */
async function hashFor(ms: number): Promise<void> {
  const started = Date.now();
  const pending: Promise<string>[] = [];
  while (Date.now() - started < ms) pending.push(hashPassword('correct horse battery', CURRENT_PARAMS));
  await Promise.all(pending);
}

describe('withDeadline in a busy isolate', () => {
  it('hears the answers that came in while the isolate hashed passwords', async () => {
    const endpoint = (env as unknown as { S3_ENDPOINT: string }).S3_ENDPOINT;
    for (let round = 0; round < 3; round++) {
      const waited = withDeadline(
        fetch(endpoint).then((r) => r.status),
        600,
        'storage-metadata',
      );
      await hashFor(1200);
      await expect(waited, `round ${round}`).resolves.toBeGreaterThan(0);
    }
  }, 120_000);

  it('still ends a wait that gets no answer', async () => {
    const waited = withDeadline(new Promise<never>(() => {}), 20, 'storage-metadata').catch((e: unknown) => e);
    await hashFor(100);
    expect(await waited).toBeInstanceOf(DeadlineError);
  });
});
