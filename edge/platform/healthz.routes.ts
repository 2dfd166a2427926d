import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { DeadlineError, RETRY_AFTER_SECONDS } from '../../shared/deadline.ts';
import { StorageError } from '../storage/s3-client.ts';
import type { AppEnv } from '../env.ts';

/**
 * Shorter than the request deadlines (shared/deadline.ts): a probe must hear
 * "unavailable" before its own timeout, while the storage and database calls
 * below carry their own, longer deadlines as every request's do.
 */
const CHECK_TIMEOUT_MS = 3000;

interface CheckResult {
  ok: boolean;
  latencyMs: number;
  /** A short reason (an S3 error code, `timeout`, `unreachable`); never a message or stack. */
  error?: string;
}

async function check(fn: (signal: AbortSignal) => Promise<unknown>): Promise<CheckResult> {
  const started = Date.now();
  const ctrl = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctrl.abort();
      reject(new Error('timeout'));
    }, CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([fn(ctrl.signal), timeout]);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (err) {
    const error =
      err instanceof StorageError
        ? err.code
        : err instanceof DeadlineError || (err instanceof Error && err.message === 'timeout')
          ? 'timeout'
          : 'unreachable';
    return { ok: false, latencyMs: Date.now() - started, error };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** `GET /healthz`: storage (both buckets) and database reachability. 503 when either fails. */
export const healthz = new Hono<AppEnv>().get('/healthz', async (c) => {
  const { storage, config, db } = c.get('services');
  const [storageCheck, databaseCheck] = await Promise.all([
    check(async (signal) => {
      await Promise.all([storage.headBucket(config.S3_BUCKET_RAW, signal), storage.headBucket(config.S3_BUCKET_DERIVATIVES, signal)]);
    }),
    check(() => db().execute(sql`select 1`)),
  ]);
  const ok = storageCheck.ok && databaseCheck.ok;
  c.header('Cache-Control', 'no-store');
  if (!ok) c.header('Retry-After', String(RETRY_AFTER_SECONDS));
  return c.json({ status: ok ? 'ok' : 'unavailable', checks: { storage: storageCheck, database: databaseCheck } }, ok ? 200 : 503);
});
