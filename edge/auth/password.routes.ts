/**
 * `POST /api/auth/password` {currentPassword, newPassword}: a signed-in user
 * changes their password. Every session of the account ends (all refresh
 * families revoked, so other devices' access tokens are refused on writes at
 * once and their refresh fails), and the caller gets a fresh session in the
 * answer, as login gives. Mounted under /api/auth/*, so the Origin check and
 * the per-client limit apply before the token is checked and the body read;
 * guesses of the current password share login's attempt budget (per account
 * and per address), so an access token does not open a second guessing channel.
 *
 * A wrong current password is 403 `forbidden`, not 401: the caller's session
 * is fine, and a 401 would make a client refresh and retry the guess.
 */
import { createRoute } from '@hono/zod-openapi';
import { BODY_LIMITS } from '../api/json-body.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn } from '../api/router.ts';
import { validationFailed } from '../api/validation.ts';
import { userEvent, writeAudit } from '../audit/write-audit.ts';
import { AppError, retryLater } from '../errors.ts';
import { clientKey } from '../middleware/client-address.ts';
import { requestMeta, tokenSigner } from '../api/request-context.ts';
import { loginSucceeded, reserveLoginAttempt } from './attempt-limit.ts';
import { currentUser } from './authenticate.ts';
import { sessionEnded } from './challenge.ts';
import { hashPassword, passwordParams, verifyPassword } from './password.ts';
import { setRefreshCookie } from './refresh-cookie.ts';
import { newRefreshToken, revokeUserSessions, storeRefreshToken } from './refresh-tokens.ts';
import { passwordChangeBody, sessionSchema } from './schemas.ts';
import { sessionBody, signSessionToken } from './session.ts';
import { findUserById, publicUser, replacePasswordHash } from './users.ts';

const sameAsEmail = () => validationFailed([{ field: 'newPassword', code: 'custom', message: 'Must not be your email address.' }]);

export const passwordRoutes = apiRouter().openapi(
  createRoute({
    method: 'post',
    path: '/api/auth/password',
    tags: ['Auth'],
    summary: 'Change the password: ends every session of the account (this one too) and answers a fresh one',
    description:
      'Guesses of the current password count against the same per-account and per-address limits as login. ' +
      "A wrong current password is 403; 401 `session_ended` means the access token's session is over.",
    ...signedIn,
    request: { body: jsonBody(passwordChangeBody, { maxBytes: BODY_LIMITS.small }) },
    responses: {
      200: jsonResponse(sessionSchema, 'Password changed; signed in with a new session'),
      ...errorResponses(400, 401, 403, 409, 413, 415, 429),
    },
  }),
  async (c) => {
    // requireUser() on a POST has already checked that this session is live.
    const caller = currentUser(c);
    const body = c.req.valid('json');
    const db = c.get('services').db();
    const meta = requestMeta(c);
    const user = await findUserById(db, caller.id);
    if (!user || user.disabledAt !== null) throw sessionEnded();
    if (body.newPassword.toLowerCase() === user.email.toLowerCase()) throw sameAsEmail();

    const gate = await reserveLoginAttempt(db, user.email, clientKey(c));
    if (!gate.allowed) throw retryLater('rate_limited', 'Too many password attempts. Try again later.', gate.retryAfter);
    const { ok } = await verifyPassword(body.currentPassword, user.passwordHash);
    if (!ok) {
      await writeAudit(db, meta, { action: 'auth.password_change_failed', ...userEvent(user.id), detail: { reason: 'wrong_password' } });
      throw new AppError('forbidden', 'The current password is not correct.');
    }

    const passwordHash = await hashPassword(body.newPassword, passwordParams(c.get('services').config));
    const familyId = crypto.randomUUID();
    const refresh = newRefreshToken();
    const access = await signSessionToken(await tokenSigner(c), user.id, familyId);
    // One transaction: the new hash, every old session ended, the new session, the audit row.
    const ended = await db.transaction(async (tx) => {
      if (!(await replacePasswordHash(tx, user.id, user.passwordHash, passwordHash))) return undefined;
      const families = await revokeUserSessions(tx, user.id);
      await storeRefreshToken(tx, { userId: user.id, familyId, token: refresh, meta });
      await loginSucceeded(tx, gate.keys);
      await writeAudit(tx, meta, {
        action: 'auth.password_change',
        ...userEvent(user.id),
        detail: { familyId, endedSessions: families.length },
      });
      return families;
    });
    // The hash changed between our read and our write (another change won): nothing was written.
    if (!ended) throw new AppError('conflict', 'The password was changed meanwhile. Sign in again.');
    setRefreshCookie(c, refresh);
    return c.json(sessionBody(access, publicUser(user)), 200);
  },
);
