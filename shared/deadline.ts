/**
 * Deadlines for the waits on a dependency (the database, object storage).
 * A dependency that hangs must cost a request a bounded time, never the
 * length of the outage: the wait is raced against a timer, and a missed
 * deadline is a {@link DeadlineError} naming what it waited for, which the
 * edge answers with 503 and `Retry-After`.
 */

/** What was waited for; each kind has its own deadline (shared/config.ts, `DEADLINE_*`). */
export type DeadlineKind = 'database-connect' | 'database-query' | 'storage-metadata' | 'storage-first-byte';

/** The deadlines of one deployment, in milliseconds, one per kind. */
export type Deadlines = Record<DeadlineKind, number>;

/**
 * The defaults, production's. The API's own queries answer in well under a
 * second at 50 concurrent clients locally (p99 ~300 ms, docs/benchmarks.md), so 5 s is
 * a dependency in trouble, not a slow request; connect allows for a database
 * that wakes on demand.
 */
export const DEFAULT_DEADLINES: Deadlines = {
  'database-connect': 5000,
  'database-query': 5000,
  'storage-metadata': 5000,
  'storage-first-byte': 5000,
};

/** Seconds a client should wait before retrying after a missed deadline (and /healthz's 503). */
export const RETRY_AFTER_SECONDS = 5;

/** A dependency missed its deadline. `kind` says which wait; callers switch on the class, never on text. */
export class DeadlineError extends Error {
  constructor(
    readonly kind: DeadlineKind,
    readonly ms: number,
  ) {
    super(`${kind} missed its deadline of ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/**
 * Settles as `work` does, or rejects with a DeadlineError after `ms`
 * (then `onExpire` runs, to abort or discard what is still pending). The
 * timer is always cleared, so a settled race leaves nothing running.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, kind: DeadlineKind, onExpire?: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        onExpire?.();
      } finally {
        reject(new DeadlineError(kind, ms));
      }
    }, ms);
  });
  return Promise.race([work, expired]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

/**
 * An AbortSignal that fires with a DeadlineError after `ms` unless `clear()`
 * comes first; it follows `parent` (the caller's own signal) too, and
 * `abort()` fires it by hand (a later deadline on the same request).
 */
export function deadlineSignal(
  ms: number,
  kind: DeadlineKind,
  parent?: AbortSignal,
): { signal: AbortSignal; clear(): void; abort(reason: unknown): void; fired(): boolean } {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new DeadlineError(kind, ms)), ms);
  const follow = () => ctrl.abort(parent?.reason);
  if (parent?.aborted) follow();
  else parent?.addEventListener('abort', follow, { once: true });
  return {
    signal: ctrl.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', follow);
    },
    abort: (reason) => ctrl.abort(reason),
    fired: () => ctrl.signal.reason instanceof DeadlineError,
  };
}
