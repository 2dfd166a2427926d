/**
 * The two 401s of a refused access token. Neither says why in its body or
 * header (the reason goes to the log with the request id); both carry the
 * RFC 6750 challenge.
 *
 * - `unauthorized`: no credential, or one the verifier refused (bad
 *   signature, expired, wrong type, a `sub` or `sid` that is not a UUID).
 * - `session_ended`: a genuine token whose session is over (logged out,
 *   revoked, password changed, account disabled). A client should refresh
 *   once and, if that fails, sign in again.
 */
import { AppError } from '../errors.ts';

const REALM = 'media-platform';

/** The 401 every refused credential gets: no reason in the body or the header. */
export function unauthorized(invalidToken: boolean): AppError {
  const challenge = invalidToken ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"`;
  return new AppError('unauthorized', 'Authentication required.', { headers: { 'WWW-Authenticate': challenge } });
}

/** The 401 of a valid token whose session has ended. */
export function sessionEnded(): AppError {
  return new AppError('session_ended', 'The session has ended. Sign in again.', {
    headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token"` },
  });
}
