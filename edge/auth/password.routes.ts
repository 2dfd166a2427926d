/**
 * `POST /api/auth/password` {currentPassword, newPassword}: a signed-in user
 * changes their password. Every session of the account ends (all refresh
 * families revoked, so other devices' access tokens are refused on writes at
 * once and their refresh fails), and the caller gets a fresh session in the
 * answer, as login gives. Mounted under /api/auth/*, so the Origin check and
 * the per-client limit apply; guesses of the current password share login's
 * attempt budget (per account and per address), so an access token does not
 * open a second guessing channel.
 *
 * A wrong current password is 403 `forbidden`, not 401: the caller's session
 * is fine, and a 401 would make a client refresh and retry the guess.
 */
import { Hono } from 'hono';
import { loginSucceeded, reserveLoginAttempt } from './attempt-limit.ts';
import { auditAuth } from './audit.ts';
import { currentUser, requireUser } from './authenticate.ts';
import { sessionEnded } from './challenge.ts';
import { hashPassword, passwordParams, verifyPassword } from './password.ts';
import { setRefreshCookie } from './refresh-cookie.ts';
import { newRefreshToken, revokeUserSessions, storeRefreshToken } from './refresh-tokens.ts';
import { passwordChangeBody } from './schemas.ts';
import { clientMeta, noStore, sessionBody, signSessionToken } from './session.ts';
import { findUserById, publicUser, replacePasswordHash } from './users.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { readJson } from '../api/json-body.ts';
import { clientKey } from '../middleware/client-address.ts';

const sameAsEmail = () =>
  new AppError('validation_failed', 'The request is invalid.', {
    details: { fields: [{ field: 'newPassword', code: 'custom', message: 'Must not be your email address.' }] },
  });

export const authPassword = new Hono<AppEnv>().post('/api/auth/password', requireUser(), async (c) => {
  // requireUser() on a POST has already checked that this session is live.
  const caller = currentUser(c);
  const body = await readJson(c, passwordChangeBody);
  const db = c.get('services').db();
  const user = await findUserById(db, caller.id);
  if (!user || user.disabledAt !== null) throw sessionEnded();
  if (body.newPassword.toLowerCase() === user.email.toLowerCase()) throw sameAsEmail();

  const gate = await reserveLoginAttempt(db, user.email, clientKey(c));
  if (!gate.allowed) {
    throw new AppError('rate_limited', 'Too many password attempts. Try again later.', {
      headers: { 'Retry-After': String(gate.retryAfter) },
    });
  }
  const { ok } = await verifyPassword(body.currentPassword, user.passwordHash);
  if (!ok) {
    await auditAuth(c, db, { action: 'auth.password_change_failed', userId: user.id, detail: { reason: 'wrong_password' } });
    throw new AppError('forbidden', 'The current password is not correct.');
  }

  const passwordHash = await hashPassword(body.newPassword, passwordParams(c.get('services').config));
  const familyId = crypto.randomUUID();
  const refresh = newRefreshToken();
  const access = await signSessionToken(c, user.id, familyId);
  // One transaction: the new hash, every old session ended, the new session, the audit row.
  const ended = await db.transaction(async (tx) => {
    if (!(await replacePasswordHash(tx, user.id, user.passwordHash, passwordHash))) return undefined;
    const families = await revokeUserSessions(tx, user.id);
    await storeRefreshToken(tx, { userId: user.id, familyId, token: refresh, meta: clientMeta(c) });
    await loginSucceeded(tx, gate.keys);
    await auditAuth(c, tx, { action: 'auth.password_change', userId: user.id, detail: { familyId, endedSessions: families.length } });
    return families;
  });
  // The hash changed between our read and our write (another change won): nothing was written.
  if (!ended) throw new AppError('conflict', 'The password was changed meanwhile. Sign in again.');
  setRefreshCookie(c, refresh);
  noStore(c);
  return c.json(sessionBody(access, publicUser(user)), 200);
});
