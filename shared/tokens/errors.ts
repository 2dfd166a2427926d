/**
 * One error type for every token verifier. Callers switch on `code` (like
 * jose's `ERR_JWT_EXPIRED`), never on message text; messages are for logs and
 * must not be sent to clients (DESIGN.md: "no detail leak").
 */

/** Stable reasons a token was refused. */
export const tokenErrorCodes = [
  'token_malformed',
  'token_expired',
  'token_not_yet_valid',
  'token_invalid_signature',
  'token_wrong_type',
  'token_wrong_audience',
  'token_wrong_issuer',
  'token_unknown_key',
  'token_scope_mismatch',
] as const;

export type TokenErrorCode = (typeof tokenErrorCodes)[number];

/**
 * HTTP status for each code: 403 when the token is genuine but does not cover
 * the request (wrong asset, variant or permission), 401 for everything else.
 */
export const tokenErrorStatus = {
  token_malformed: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  token_invalid_signature: 401,
  token_wrong_type: 401,
  token_wrong_audience: 401,
  token_wrong_issuer: 401,
  token_unknown_key: 401,
  token_scope_mismatch: 403,
} as const satisfies Record<TokenErrorCode, 401 | 403>;

/**
 * A token was refused. Every verifier in `shared/tokens` throws only this
 * (configuration mistakes, such as a bad option, throw `TypeError` instead).
 *
 * @example
 * ```ts
 * try { await verifyAccessToken(keys, token, opts) }
 * catch (e) { if (isTokenError(e) && e.code === 'token_expired') … }
 * ```
 */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  /** HTTP status a handler should answer with (401 or 403). */
  readonly status: 401 | 403;

  constructor(
    readonly code: TokenErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = tokenErrorStatus[code];
  }
}

/** Narrows an unknown thrown value to a {@link TokenError}. */
export function isTokenError(e: unknown): e is TokenError {
  return e instanceof TokenError;
}
