/**
 * Revocation reaches writes. An access token is verified with crypto alone,
 * so after a logout, a refresh-token replay, a password change or an account
 * being disabled it would stay good for the rest of its life (at most 15
 * minutes). For every request that changes data or hands out access, the
 * authentication step (edge/auth/authenticate.ts) therefore also asks the
 * database, in one indexed query, whether the token's session still stands:
 *
 * - the user `sub` exists and `disabled_at` is null, and
 * - the family `sid` belongs to `sub` and still has a refresh token that is
 *   neither revoked nor expired (logout, replay and password change revoke
 *   every token of a family; an idle family expires 30 days after its last
 *   refresh).
 *
 * Otherwise: 401 `session_ended`. Plain reads keep the stateless window.
 */
import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import type { AppEnv } from '../env.ts';
import { sessionEnded } from './challenge.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Reads that hand out credentials outliving the access token, checked like
 * writes: the Uppy S3 endpoints sign upload URLs and POST policies (their
 * part and params calls are GETs), and the share-link list carries the links'
 * tokens, which can last for days.
 */
const CREDENTIAL_READS = [/^\/s3\//, /^\/api\/share-links\/?$/];

/** Whether this request must come from a live session. */
export function needsLiveSession(c: Context<AppEnv>): boolean {
  if (!READ_METHODS.has(c.req.method)) return true;
  const path = c.req.path;
  return CREDENTIAL_READS.some((re) => re.test(path));
}

/**
 * SQL: true when user `userId` is enabled and session `sid` is live. Both ids
 * are UUIDs (the verifier refuses anything else), so the casts cannot fail.
 */
export const liveSessionSql = (userId: string, sid: string) => sql<boolean>`exists (
  select 1 from refresh_tokens rt
  where rt.family_id = ${sid} and rt.user_id = ${userId}
    and rt.revoked_at is null and rt.expires_at > now())`;

/** Whether the session stands: one query (users by primary key, refresh_tokens by family index). */
export async function isSessionLive(db: Database, userId: string, sid: string): Promise<boolean> {
  const result = await db.execute(sql`
    select ${liveSessionSql(userId, sid)} as live
    from users u where u.id = ${userId} and u.disabled_at is null`);
  const [row] = rowsOf<{ live: boolean }>(result);
  return row?.live === true;
}

/** @throws 401 `session_ended` unless the session stands. */
export async function requireLiveSession(c: Context<AppEnv>, user: { id: string; sid: string }): Promise<void> {
  if (await isSessionLive(c.get('services').db(), user.id, user.sid)) return;
  console.log(JSON.stringify({ level: 'info', msg: 'access token refused', code: 'session_ended', requestId: c.get('requestId') }));
  throw sessionEnded();
}
