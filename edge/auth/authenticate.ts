/**
 * Who is calling: the `Authorization: Bearer <access token>` header, verified
 * with the key set and token party (signature by a key of the set, `typ:
 * at+jwt`, iss, aud, exp/nbf/iat; shared/tokens), and its `sub` and `sid`
 * must be UUIDs (every token this edge signs names a users.id and a refresh
 * family id; code after this step relies on that).
 *
 * Verifying needs no database, so for plain reads a logged-out or revoked
 * session, or a disabled user, keeps its token until it expires (at most 15
 * minutes). Requests that change data or hand out access also pass the live
 * session check (./live-session.ts, one query), here, in the one place every
 * route authenticates: no route can forget it.
 *
 * An API key (`Bearer mpk_…` or `X-API-Key`) is checked instead by
 * ./api-keys/api-key-auth.ts: one query (revocation is immediate, for reads
 * too) and the route's scope (./api-keys/route-scopes.ts).
 *
 * A refused token answers 401 with one generic message and a Bearer
 * challenge (./challenge.ts); the reason goes to the log only, with the
 * request id.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { users } from '../../shared/db/schema.ts';
import { isUuid } from '../../shared/ids.ts';
import { type AccessTokenClaims, isTokenError, verifyAccessToken } from '../../shared/tokens/index.ts';
import type { AppEnv } from '../env.ts';
import { sessionEnded, unauthorized } from './challenge.ts';
import { liveSessionSql, needsLiveSession, requireLiveSession } from './live-session.ts';
import { publicUser, type PublicUser } from './users.ts';
import { authenticateApiKey } from './api-keys/api-key-auth.ts';
import { looksLikeApiKey } from './api-keys/key-format.ts';

export { unauthorized };

export interface AuthUser {
  id: string;
  /**
   * The login session (refresh token family) the token was issued for; for an
   * API key, the key's id (routes that act on sessions are closed to keys).
   */
  sid: string;
  /** Set when the caller is an API key (./api-keys/api-key-auth.ts). */
  apiKeyId?: string;
}

// RFC 6750 b64token; anything else in an Authorization header is refused.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function logRefusal(c: Context<AppEnv>, code: string): void {
  console.log(JSON.stringify({ level: 'info', msg: 'access token refused', code, requestId: c.get('requestId') }));
}

/** Whether the request names a caller (an Authorization header or an API key): such a request is never anonymous. */
export const sendsCredentials = (c: Context<AppEnv>): boolean =>
  c.req.header('authorization') !== undefined || c.req.header('x-api-key') !== undefined;

/**
 * The verified caller, or null when the request carries no Authorization
 * header. A header that is present but is not a valid Bearer access token
 * throws 401: a client that sent credentials must learn they failed, rather
 * than be served as anonymous. Sets `c.var.user`.
 */
export async function optionalUser(c: Context<AppEnv>): Promise<AuthUser | null> {
  const known = c.get('user');
  if (known?.sid) return { ...known, sid: known.sid };
  if (!sendsCredentials(c)) return null;
  const header = c.req.header('authorization');
  const apiKey = c.req.header('x-api-key');
  const m = header === undefined ? null : BEARER.exec(header);
  if (apiKey !== undefined || (m && looksLikeApiKey(m[1]!))) {
    if (apiKey !== undefined && header !== undefined) {
      logRefusal(c, 'two_credentials');
      throw unauthorized(true);
    }
    const key = await authenticateApiKey(c, apiKey ?? m![1]!);
    const user: AuthUser = { id: key.userId, sid: key.keyId, apiKeyId: key.keyId };
    c.set('user', user);
    return user;
  }
  if (!m) {
    logRefusal(c, 'authorization_malformed');
    throw unauthorized(true);
  }
  const { keys, tokenParty } = c.get('services');
  let claims: AccessTokenClaims;
  try {
    claims = await verifyAccessToken(await keys(), m[1], tokenParty);
  } catch (err) {
    if (!isTokenError(err)) throw err;
    logRefusal(c, err.code);
    throw unauthorized(true);
  }
  // Signed by us yet not naming a user and a session: refused like a forgery.
  if (!isUuid(claims.sub) || claims.sid === undefined || !isUuid(claims.sid)) {
    logRefusal(c, 'claims_not_ids');
    throw unauthorized(true);
  }
  const user: AuthUser = { id: claims.sub, sid: claims.sid };
  if (needsLiveSession(c)) await requireLiveSession(c, user);
  c.set('user', user);
  return user;
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
  if (!user?.sid) throw new Error('currentUser() on a route without requireUser()');
  return { ...user, sid: user.sid };
}

/**
 * The caller's user row, checked against the database whatever the method:
 * the user exists and is not disabled, and the token's session is live (the
 * rule of ./live-session.ts). One indexed query. @throws 401 `session_ended`.
 */
export async function loadActiveUser(c: Context<AppEnv>): Promise<PublicUser> {
  const caller = currentUser(c);
  const db = c.get('services').db();
  if (caller.apiKeyId) {
    // The key lookup has just checked the key and that its user is enabled.
    const [row] = await db.select().from(users).where(eq(users.id, caller.id)).limit(1);
    if (!row) throw sessionEnded();
    return publicUser(row);
  }
  const [row] = await db
    .select({ user: users, live: liveSessionSql(caller.id, caller.sid) })
    .from(users)
    .where(and(eq(users.id, caller.id), isNull(users.disabledAt)))
    .limit(1);
  if (!row?.live) {
    logRefusal(c, row ? 'session_revoked' : 'user_inactive');
    throw sessionEnded();
  }
  return publicUser(row.user);
}
