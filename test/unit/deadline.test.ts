/**
 * The deadline primitives: a race that names what missed, a signal that
 * aborts with it, and the stall watch on a streamed body, whose clock runs
 * only while the client waits for upstream (a slow reader never trips it).
 */
import { describe, expect, it } from 'vitest';
import { deadlinesOf, edgeConfigSchema } from '../../shared/config.ts';
import { DEFAULT_DEADLINES, DeadlineError, deadlineSignal, withDeadline } from '../../shared/deadline.ts';

const never = new Promise<never>(() => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withDeadline', () => {
  it('settles as the work does when it is in time', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, 'database-query')).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('boom')), 1000, 'database-query')).rejects.toThrow('boom');
  });

  it('rejects with a DeadlineError naming the kind, and runs onExpire, when the work hangs', async () => {
    let expired = false;
    const err = await withDeadline(never, 20, 'storage-metadata', () => (expired = true)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect(err).toMatchObject({ kind: 'storage-metadata', ms: 20 });
    expect(expired).toBe(true);
  });
});

describe('deadlineSignal', () => {
  it('aborts with a DeadlineError unless cleared, and follows the caller’s signal', async () => {
    const d = deadlineSignal(20, 'storage-first-byte');
    await sleep(60);
    expect(d.fired()).toBe(true);
    expect(d.signal.reason).toBeInstanceOf(DeadlineError);

    const cleared = deadlineSignal(20, 'storage-first-byte');
    cleared.clear();
    await sleep(60);
    expect(cleared.signal.aborted).toBe(false);

    const parent = new AbortController();
    const child = deadlineSignal(10_000, 'storage-first-byte', parent.signal);
    parent.abort(new Error('caller gave up'));
    expect(child.signal.aborted).toBe(true);
    expect(child.fired()).toBe(false);
    child.clear();
  });
});

describe('deadline settings', () => {
  const base = {
    S3_ENDPOINT: 'http://127.0.0.1:9000',
    S3_ACCESS_KEY_ID: 'k',
    S3_SECRET_ACCESS_KEY: 's',
    S3_BUCKET_RAW: 'raw',
    S3_BUCKET_DERIVATIVES: 'derivatives',
    DATABASE_URL: 'postgres://u:p@h/db',
    AUTH_SIGNING_KEYS: JSON.stringify({ active: 'a', keys: [{ kid: 'a', kty: 'OKP', d: 'x' }] }),
  };

  it('default to production values and can be set per kind', () => {
    expect(deadlinesOf(edgeConfigSchema.parse(base))).toEqual(DEFAULT_DEADLINES);
    expect(deadlinesOf(edgeConfigSchema.parse({ ...base, DEADLINE_DB_QUERY_MS: '2500' }))['database-query']).toBe(2500);
  });

  it('refuse a deadline of zero or an absurd one', () => {
    expect(edgeConfigSchema.safeParse({ ...base, DEADLINE_STORAGE_FIRST_BYTE_MS: '0' }).success).toBe(false);
    expect(edgeConfigSchema.safeParse({ ...base, DEADLINE_DB_CONNECT_MS: '999999999' }).success).toBe(false);
  });
});
