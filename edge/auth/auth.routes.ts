/**
 * Sessions (DESIGN.md, "Tokens"): `POST /api/auth/register`, `/login`,
 * `/refresh`, `/logout` (the password change is ./password.routes.ts).
 * Register and login answer `{ accessToken, expiresIn, user }` and set the
 * refresh cookie; refresh rotates it; logout revokes the session. The pieces
 * live in ./*; these handlers decode, call, map.
 *
 * Before any of them runs, edge/app.ts has checked the Origin
 * (./origin-check.ts) and the per-client limit on /api/auth/*; refresh and
 * logout read only the cookie, never a body.
 *
 * Errors say as little as they can: every failed login (unknown email, wrong
 * password, disabled account) is the same 401 after the same amount of
 * hashing; every refused refresh is the same 401.
 */
import { createRoute } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { sha256Base64Url } from '../../shared/crypto/sha256.ts';
import { users } from '../../shared/db/schema.ts';
import { BODY_LIMITS } from '../api/json-body.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse } from '../api/router.ts';
import { userEvent, writeAudit } from '../audit/write-audit.ts';
import { AppError, retryLater } from '../errors.ts';
import { clientKey } from '../middleware/client-address.ts';
import { requestMeta, tokenSigner } from '../api/request-context.ts';
import { loginSucceeded, reserveLoginAttempt } from './attempt-limit.ts';
import { dummyPasswordHash, hashPassword, passwordParams, verifyPassword } from './password.ts';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './refresh-cookie.ts';
import { familyOf, isRefreshTokenFormat, newRefreshToken, revokeFamily, rotateRefreshToken, storeRefreshToken } from './refresh-tokens.ts';
import { loginBody, registerBody, sessionSchema } from './schemas.ts';
import { sessionBody, signSessionToken } from './session.ts';
import { secondStepSchema } from './totp/schemas.ts';
import { challengeFor } from './totp/second-step.routes.ts';
import { secondFactorsOf } from './second-factors.ts';
import { findUserByEmail, insertUserIfNew, publicUser, updatePasswordHash } from './users.ts';

const badCredentials = () => new AppError('unauthorized', 'Invalid email or password.');
const sessionRefused = () => new AppError('unauthorized', 'The session has ended. Log in again.');

const tags = ['Auth'];

export const authRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/register',
      tags,
      summary: 'Create an account and sign in',
      request: { body: jsonBody(registerBody, { maxBytes: BODY_LIMITS.small }) },
      responses: { 201: jsonResponse(sessionSchema, 'Signed in'), ...errorResponses(400, 403, 409, 413, 415, 429) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const db = c.get('services').db();
      const meta = requestMeta(c);
      // Hash first, before the database is asked: a taken email then costs the
      // same time as a new one.
      const passwordHash = await hashPassword(body.password, passwordParams(c.get('services').config));
      const userId = crypto.randomUUID();
      const familyId = crypto.randomUUID();
      const refresh = newRefreshToken();
      const access = await signSessionToken(await tokenSigner(c), userId, familyId);
      // One transaction: a failure anywhere leaves no user, token or audit row.
      const user = await db.transaction(async (tx) => {
        const row = await insertUserIfNew(tx, { id: userId, email: body.email, name: body.name, passwordHash });
        if (!row) return undefined;
        await storeRefreshToken(tx, { userId, familyId, token: refresh, meta });
        await writeAudit(tx, meta, { action: 'auth.register', ...userEvent(userId), detail: { familyId } });
        return row;
      });
      if (!user) {
        const emailHash = await sha256Base64Url(body.email.toLowerCase());
        await writeAudit(db, meta, { action: 'auth.register_conflict', ...userEvent(null), detail: { emailHash } });
        // Registration necessarily tells whether an email is taken; the
        // per-client limit on /api/auth/* bounds how fast anyone can ask.
        throw new AppError('conflict', 'This email cannot be used to register.');
      }
      setRefreshCookie(c, refresh);
      return c.json(sessionBody(access, publicUser(user)), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/login',
      tags,
      summary: 'Sign in with email and password',
      request: { body: jsonBody(loginBody, { maxBytes: BODY_LIMITS.small }) },
      description:
        'An account with a second factor (TOTP or a passkey) answers 202 with a challenge token instead of a session: ' +
        'send it with a code or a passkey assertion to `POST /api/auth/login/second-factor`.',
      responses: {
        200: jsonResponse(sessionSchema, 'Signed in'),
        202: jsonResponse(secondStepSchema, 'Password right; a second factor is required'),
        ...errorResponses(400, 401, 403, 413, 415, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const db = c.get('services').db();
      const meta = requestMeta(c);
      const gate = await reserveLoginAttempt(db, body.email, clientKey(c));
      if (!gate.allowed) throw retryLater('rate_limited', 'Too many login attempts. Try again later.', gate.retryAfter);
      const user = await findUserByEmail(db, body.email);
      // Always one verification, against a dummy hash when there is no such user.
      const params = passwordParams(c.get('services').config);
      const { ok, needsRehash } = await verifyPassword(body.password, user?.passwordHash ?? dummyPasswordHash(params), params);
      if (!user || !ok || user.disabledAt !== null) {
        const reason = !user ? 'unknown_email' : !ok ? 'wrong_password' : 'disabled';
        const detail = user ? { reason } : { reason, emailHash: await sha256Base64Url(body.email.toLowerCase()) };
        await writeAudit(db, meta, { action: 'auth.login_failed', ...userEvent(user?.id), detail });
        throw badCredentials();
      }
      const newHash = needsRehash ? await hashPassword(body.password, params) : undefined;
      const factors = await secondFactorsOf(db, user.id);
      if (factors.length > 0) {
        // The password was right: its failures are forgotten; the code has its own limit.
        await db.transaction(async (tx) => {
          await loginSucceeded(tx, gate.keys);
          if (newHash) await updatePasswordHash(tx, user.id, newHash);
          await writeAudit(tx, meta, { action: 'auth.login_second_step', ...userEvent(user.id) });
        });
        return c.json(await challengeFor(await tokenSigner(c), { id: user.id, passwordHash: newHash ?? user.passwordHash }, factors), 202);
      }
      const familyId = crypto.randomUUID();
      const refresh = newRefreshToken();
      const access = await signSessionToken(await tokenSigner(c), user.id, familyId);
      await db.transaction(async (tx) => {
        await loginSucceeded(tx, gate.keys);
        if (newHash) await updatePasswordHash(tx, user.id, newHash);
        await storeRefreshToken(tx, { userId: user.id, familyId, token: refresh, meta });
        await writeAudit(tx, meta, { action: 'auth.login', ...userEvent(user.id), detail: { familyId, rehashed: newHash !== undefined } });
      });
      setRefreshCookie(c, refresh);
      return c.json(sessionBody(access, publicUser(user)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/refresh',
      tags,
      summary: 'A new access token from the refresh cookie (rotated on every use; a reused one revokes the session)',
      responses: { 200: jsonResponse(sessionSchema, 'Refreshed'), ...errorResponses(401, 403, 429) },
    }),
    async (c) => {
      const token = readRefreshCookie(c);
      if (!isRefreshTokenFormat(token)) {
        clearRefreshCookie(c);
        throw sessionRefused();
      }
      const db = c.get('services').db();
      const meta = requestMeta(c);
      const result = await rotateRefreshToken(db, token, meta);
      if (result.kind === 'reused') {
        await writeAudit(db, meta, { action: 'auth.refresh_reuse', ...userEvent(result.userId), detail: { familyId: result.familyId } });
      }
      if (result.kind !== 'rotated') {
        clearRefreshCookie(c);
        throw sessionRefused();
      }
      const [user] = await db.select().from(users).where(eq(users.id, result.userId)).limit(1);
      if (!user) throw sessionRefused(); // deleted between the two statements
      const access = await signSessionToken(await tokenSigner(c), result.userId, result.familyId);
      setRefreshCookie(c, result.token);
      return c.json(sessionBody(access, publicUser(user)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/logout',
      tags,
      summary: 'End the session of the refresh cookie',
      responses: { 204: { description: 'Signed out (also without a session)' }, ...errorResponses(403, 429) },
    }),
    async (c) => {
      const token = readRefreshCookie(c);
      if (isRefreshTokenFormat(token)) {
        const db = c.get('services').db();
        const session = await familyOf(db, token);
        if (session) {
          const revoked = await revokeFamily(db, session.familyId);
          await writeAudit(db, requestMeta(c), {
            action: 'auth.logout',
            ...userEvent(session.userId),
            detail: { familyId: session.familyId, revoked },
          });
        }
      }
      // Idempotent: logging out without (or with a stale) cookie still clears it.
      clearRefreshCookie(c);
      return c.body(null, 204);
    },
  );
