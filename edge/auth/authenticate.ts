/**
 * Who is calling: the `Authorization: Bearer <access token>` header, verified
 * with the key set and token party (signature by a key of the set, `typ:
 * at+jwt`, iss, aud, exp/nbf/iat; shared/tokens). The access token is
 * stateless: verifying it needs no database, so a disabled user or a
 * logged-out session keeps a valid token until it expires (at most 15
 * minutes). Routes that must see such changes at once call
 * {@link loadActiveUser}, which checks the database (GET /api/me does).
 *
 * A refused token answers `401 unauthorized` with one generic message and
 * `WWW-Authenticate: Bearer`; the reason (a TokenError code) goes to the log
 * only, with the request id.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { users } from '../../shared/db/schema.ts';
import { isTokenError, verifyAccessToken } from '../../shared/tokens/index.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { publicUser, type PublicUser } from './users.ts';

export interface AuthUser {
  id: string;
  /** The login session (refresh token family) the token was issued for. */
  sid?: string;
}

const REALM = 'media-platform';
// RFC 6750 b64token; anything else in an Authorization header is refused.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The 401 every refused credential gets: no reason in the body or the header. */
export function unauthorized(invalidToken: boolean): AppError {
  const challenge = invalidToken ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"`;
  return new AppError('unauthorized', 'Authentication required.', { headers: { 'WWW-Authenticate': challenge } });
}

function logRefusal(c: Context<AppEnv>, code: string): void {
  console.log(JSON.stringify({ level: 'info', msg: 'access token refused', code, requestId: c.get('requestId') }));
}

/**
 * The verified caller, or null when the request carries no Authorization
 * header. A header that is present but is not a valid Bearer access token
 * throws 401: a client that sent credentials must learn they failed, rather
 * than be served as anonymous. Sets `c.var.user`.
 */
export async function optionalUser(c: Context<AppEnv>): Promise<AuthUser | null> {
  const known = c.get('user');
  if (known) return known;
  const header = c.req.header('authorization');
  if (header === undefined) return null;
  const m = BEARER.exec(header);
  if (!m) {
    logRefusal(c, 'authorization_malformed');
    throw unauthorized(true);
  }
  const { keys, tokenParty } = c.get('services');
  try {
    const claims = await verifyAccessToken(await keys(), m[1], tokenParty);
    const user: AuthUser = claims.sid === undefined ? { id: claims.sub } : { id: claims.sub, sid: claims.sid };
    c.set('user', user);
    return user;
  } catch (err) {
    if (!isTokenError(err)) throw err;
    logRefusal(c, err.code);
    throw unauthorized(true);
  }
}

/** Middleware for routes that need a signed-in caller: 401 without a valid access token. */
export const requireUser = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!(await optionalUser(c))) throw unauthorized(false);
    await next();
  });

/** The user `requireUser()` verified. @throws Error when used on a route without it (a wiring bug). */
export function currentUser(c: Context<AppEnv>): AuthUser {
  const user = c.get('user');
  if (!user) throw new Error('currentUser() on a route without requireUser()');
  return user;
}

/**
 * The caller's user row, checked against the database: the user exists and
 * is not disabled, and the token's session (`sid`) has not been logged out or
 * revoked. One indexed query. @throws 401 otherwise.
 */
export async function loadActiveUser(c: Context<AppEnv>): Promise<PublicUser> {
  const caller = currentUser(c);
  if (!UUID.test(caller.id) || (caller.sid !== undefined && !UUID.test(caller.sid))) {
    logRefusal(c, 'subject_not_a_user');
    throw unauthorized(true);
  }
  const db = c.get('services').db();
  const sessionLive = caller.sid
    ? sql<boolean>`exists (select 1 from refresh_tokens rt where rt.family_id = ${caller.sid}
        and rt.user_id = ${caller.id} and rt.revoked_at is null)`
    : sql<boolean>`true`;
  const [row] = await db
    .select({ user: users, sessionLive })
    .from(users)
    .where(and(eq(users.id, caller.id), isNull(users.disabledAt)))
    .limit(1);
  if (!row || !row.sessionLive) {
    logRefusal(c, row ? 'session_revoked' : 'user_inactive');
    throw unauthorized(true);
  }
  return publicUser(row.user);
}
