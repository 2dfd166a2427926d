/**
 * One error model for the whole API: a stable code, mapped to one status, in one
 * JSON shape `{ error: { code, message, requestId } }`. Callers switch on `code`,
 * never on message text.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DeadlineError, DependencyUnavailableError } from '../shared/deadline.ts';

export const errorStatus = {
  bad_request: 400,
  /** A WebAuthn challenge that is unknown, expired, or for another purpose or user: ask for new options. */
  challenge_expired: 400,
  /** A WebAuthn challenge that was already used once. */
  challenge_replayed: 400,
  validation_failed: 400,
  /** A grant naming its own caller: nobody grants themselves anything. */
  self_grant: 400,
  unauthorized: 401,
  /** A valid access token whose session was logged out, revoked, or whose user is disabled (edge/auth/live-session.ts). */
  session_ended: 401,
  password_required: 401,
  /** An API key that is unknown, revoked or expired, or whose user is disabled (edge/auth/api-keys/). */
  invalid_api_key: 401,
  forbidden: 403,
  /** An API key used outside its scopes, or on a route no key may use (edge/auth/api-keys/route-scopes.ts). */
  insufficient_scope: 403,
  /** A TOTP or recovery code that is not correct (edge/auth/totp/). */
  invalid_code: 403,
  /** A TOTP code whose time step was already used: wait for the next code. */
  code_replayed: 403,
  /** A passkey response that does not verify: wrong origin or RP ID, bad signature, no user verification (edge/auth/passkeys/). */
  passkey_invalid: 403,
  /** A passkey whose signature counter did not move forward: a possible cloned authenticator. */
  passkey_counter_regressed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  rate_limited: 429,
  internal: 500,
  misconfigured: 500,
  unavailable: 503,
  /** The database or storage missed its deadline (shared/deadline.ts); answered with Retry-After. */
  dependency_timeout: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      cause?: unknown;
      headers?: Record<string, string>;
      details?: unknown;
      /** Log the answer at this level with the request id (a client's own fault is worth a line, never a page). */
      logAs?: 'info' | 'warn';
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = errorStatus[code];
  }
}

/** A 429 or 503 the client may retry after `seconds` (`Retry-After`). */
export function retryLater(code: 'rate_limited' | 'unavailable', message: string, seconds: number, cause?: unknown): AppError {
  return new AppError(code, message, { cause, headers: { 'Retry-After': String(seconds) } });
}

/** The code for a status that reached us without one (Hono's HTTPException, a 404). */
export function codeForStatus(status: number): ErrorCode {
  const found = (Object.entries(errorStatus) as [ErrorCode, number][]).find(([, s]) => s === status);
  if (found) return found[0];
  return status >= 500 ? 'internal' : 'bad_request';
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown };
}

export function errorBody(code: ErrorCode, message: string, requestId: string, details?: unknown): ErrorBody {
  return { error: { code, message, requestId, ...(details === undefined ? {} : { details }) } };
}

/**
 * The missed deadline behind `err`, if any: drizzle wraps a driver's error
 * as the `cause` of its own, so the chain is followed (a few links deep).
 */
export function missedDeadline(err: unknown): DeadlineError | undefined {
  const found = dependencyFailure(err);
  return found instanceof DeadlineError ? found : undefined;
}

/**
 * The dependency failure behind `err` (a missed deadline or a dependency
 * that refused or dropped the connection), following the `cause` chain as
 * {@link missedDeadline} does: both are answered 503 with `Retry-After`.
 */
export function dependencyFailure(err: unknown): DeadlineError | DependencyUnavailableError | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    if (e instanceof DeadlineError || e instanceof DependencyUnavailableError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
