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

/** Which dependency a request could not reach (`api-worker`: the edge's service binding, edge/platform/region-forward.ts). */
export type Dependency = 'database' | 'storage' | 'api-worker';

/**
 * A dependency refused or dropped the connection (it is down, restarting or
 * out of connections): like a missed deadline, a 503 with `Retry-After`, not
 * an internal error. Raised where the failure is classified by its type or
 * SQLSTATE (shared/db/deadline-pool.ts, edge/deadline-storage.ts), never by
 * message text; the original error is the `cause`.
 */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: Dependency,
    cause: unknown,
  ) {
    super(`${dependency} is unreachable`, { cause });
    this.name = 'DependencyUnavailableError';
  }
}

/**
 * A timer for a wait on a dependency that counts only the time this isolate
 * was free to notice the answer: `onFire` runs once `ms` of such time has
 * passed.
 *
 * Why not one `setTimeout(ms)`: a Worker's isolate runs one thing at a time.
 * While it is busy with CPU-bound work (scrypt runs synchronously in
 * workerd: ~140 ms per hash on a quiet core, seconds on a loaded one), an
 * answer that has already arrived waits in the queue beside an expired
 * timer, and the timer can run first: the request is failed for the
 * isolate's own busyness, not the dependency's. So the wait is measured in
 * steps; a step that comes back late (the isolate was busy) counts for one
 * step only, and the first one after a busy spell never ends the wait: the
 * next step comes after whatever I/O was queued has had its turn. A wait
 * still ends however busy the isolate stays: every step counts, so it takes
 * at most about ten busy spells (a step is a tenth of the deadline).
 */
export function dependencyTimer(ms: number, onFire: () => void): { clear(): void } {
  const step = Math.max(MIN_STEP_MS, Math.min(MAX_STEP_MS, Math.floor(ms / 10)));
  let counted = 0;
  let last = Date.now();
  let lateBefore = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (delay: number) => {
    timer = setTimeout(tick, Math.max(1, delay));
  };
  const tick = () => {
    const now = Date.now();
    const elapsed = now - last;
    last = now;
    const late = elapsed > 2 * step;
    counted += late ? step : elapsed;
    // The first step back after a busy spell never ends the wait: queued I/O goes first.
    const mayEnd = !late || lateBefore;
    lateBefore = late;
    if (mayEnd && counted >= ms) {
      timer = undefined;
      onFire();
    } else arm(late ? step : Math.min(step, ms - counted));
  };
  arm(Math.min(step, ms));
  return {
    clear: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** The bounds of one step of {@link dependencyTimer}: a tenth of the deadline, within these. */
const MIN_STEP_MS = 10;
const MAX_STEP_MS = 500;

/**
 * Settles as `work` does, or rejects with a DeadlineError after `ms` of time
 * the isolate was free to hear an answer ({@link dependencyTimer}; then
 * `onExpire` runs, to abort or discard what is still pending). The timer is
 * always cleared, so a settled race leaves nothing running.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, kind: DeadlineKind, onExpire?: () => void): Promise<T> {
  let timer: { clear(): void } | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = dependencyTimer(ms, () => {
      try {
        onExpire?.();
      } finally {
        reject(new DeadlineError(kind, ms));
      }
    });
  });
  return Promise.race([work, expired]).finally(() => timer?.clear());
}

/**
 * An AbortSignal that fires with a DeadlineError after `ms` (counted as
 * {@link dependencyTimer} does) unless `clear()` comes first; it follows
 * `parent` (the caller's own signal) too, and `abort()` fires it by hand (a
 * later deadline on the same request).
 */
export function deadlineSignal(
  ms: number,
  kind: DeadlineKind,
  parent?: AbortSignal,
): { signal: AbortSignal; clear(): void; abort(reason: unknown): void; fired(): boolean } {
  const ctrl = new AbortController();
  const timer = dependencyTimer(ms, () => ctrl.abort(new DeadlineError(kind, ms)));
  const follow = () => ctrl.abort(parent?.reason);
  if (parent?.aborted) follow();
  else parent?.addEventListener('abort', follow, { once: true });
  return {
    signal: ctrl.signal,
    clear: () => {
      timer.clear();
      parent?.removeEventListener('abort', follow);
    },
    abort: (reason) => ctrl.abort(reason),
    fired: () => ctrl.signal.reason instanceof DeadlineError,
  };
}
