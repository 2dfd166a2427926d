/**
 * Sessions (DESIGN.md, "Tokens"): `POST /api/auth/register`, `/login`,
 * `/refresh`, `/logout`, and `/password` (./auth-password.ts). Register and
 * login answer `{ accessToken, expiresIn, user }` and set the refresh cookie;
 * refresh rotates it; logout revokes the session. The pieces live in
 * ../auth/*; these handlers decode, call, map.
 *
 * Errors say as little as they can: every failed login (unknown email, wrong
 * password, disabled account) is the same 401 after the same amount of
 * hashing; every refused refresh is the same 401.
 */
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { users } from '../../shared/db/schema.ts';
import { reserveLoginAttempt, loginSucceeded } from './attempt-limit.ts';
import { auditAuth } from './audit.ts';
import { sha256Base64Url } from './base64url.ts';
import { dummyPasswordHash, hashPassword, passwordParams, verifyPassword } from './password.ts';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './refresh-cookie.ts';
import { familyOf, isRefreshTokenFormat, newRefreshToken, revokeFamily, rotateRefreshToken, storeRefreshToken } from './refresh-tokens.ts';
import { loginBody, registerBody } from './schemas.ts';
import { clientMeta, noStore, sessionBody, signSessionToken } from './session.ts';
import { findUserByEmail, insertUserIfNew, publicUser, updatePasswordHash } from './users.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { readJson } from '../api/json-body.ts';
import { clientKey } from '../middleware/client-address.ts';
import { authPassword } from './password.routes.ts';

const badCredentials = () => new AppError('unauthorized', 'Invalid email or password.');
const sessionRefused = () => new AppError('unauthorized', 'The session has ended. Log in again.');

export const auth = new Hono<AppEnv>()
  .post('/api/auth/register', async (c) => {
    const body = await readJson(c, registerBody);
    const db = c.get('services').db();
    // Hash first, before the database is asked: a taken email then costs the
    // same time as a new one.
    const passwordHash = await hashPassword(body.password, passwordParams(c.get('services').config));
    const userId = crypto.randomUUID();
    const familyId = crypto.randomUUID();
    const refresh = newRefreshToken();
    const access = await signSessionToken(c, userId, familyId);
    // One transaction: a failure anywhere leaves no user, token or audit row.
    const user = await db.transaction(async (tx) => {
      const row = await insertUserIfNew(tx, { id: userId, email: body.email, name: body.name, passwordHash });
      if (!row) return undefined;
      await storeRefreshToken(tx, { userId, familyId, token: refresh, meta: clientMeta(c) });
      await auditAuth(c, tx, { action: 'auth.register', userId, detail: { familyId } });
      return row;
    });
    if (!user) {
      await auditAuth(c, db, { action: 'auth.register_conflict', detail: { emailHash: await sha256Base64Url(body.email.toLowerCase()) } });
      // Registration necessarily tells whether an email is taken; the
      // per-client limit on /api/auth/* bounds how fast anyone can ask.
      throw new AppError('conflict', 'This email cannot be used to register.');
    }
    setRefreshCookie(c, refresh);
    noStore(c);
    return c.json(sessionBody(access, publicUser(user)), 201);
  })

  .post('/api/auth/login', async (c) => {
    const body = await readJson(c, loginBody);
    const db = c.get('services').db();
    const gate = await reserveLoginAttempt(db, body.email, clientKey(c));
    if (!gate.allowed) {
      throw new AppError('rate_limited', 'Too many login attempts. Try again later.', {
        headers: { 'Retry-After': String(gate.retryAfter) },
      });
    }
    const user = await findUserByEmail(db, body.email);
    // Always one verification, against a dummy hash when there is no such user.
    const params = passwordParams(c.get('services').config);
    const { ok, needsRehash } = await verifyPassword(body.password, user?.passwordHash ?? dummyPasswordHash(params), params);
    if (!user || !ok || user.disabledAt !== null) {
      const reason = !user ? 'unknown_email' : !ok ? 'wrong_password' : 'disabled';
      const detail = user ? { reason } : { reason, emailHash: await sha256Base64Url(body.email.toLowerCase()) };
      await auditAuth(c, db, { action: 'auth.login_failed', userId: user?.id ?? null, detail });
      throw badCredentials();
    }
    const newHash = needsRehash ? await hashPassword(body.password, params) : undefined;
    const familyId = crypto.randomUUID();
    const refresh = newRefreshToken();
    const access = await signSessionToken(c, user.id, familyId);
    await db.transaction(async (tx) => {
      await loginSucceeded(tx, gate.keys);
      if (newHash) await updatePasswordHash(tx, user.id, newHash);
      await storeRefreshToken(tx, { userId: user.id, familyId, token: refresh, meta: clientMeta(c) });
      await auditAuth(c, tx, { action: 'auth.login', userId: user.id, detail: { familyId, rehashed: newHash !== undefined } });
    });
    setRefreshCookie(c, refresh);
    noStore(c);
    return c.json(sessionBody(access, publicUser(user)), 200);
  })

  .post('/api/auth/refresh', async (c) => {
    noStore(c);
    const token = readRefreshCookie(c);
    if (!isRefreshTokenFormat(token)) {
      clearRefreshCookie(c);
      throw sessionRefused();
    }
    const db = c.get('services').db();
    const result = await rotateRefreshToken(db, token, clientMeta(c));
    if (result.kind === 'reused') {
      await auditAuth(c, db, { action: 'auth.refresh_reuse', userId: result.userId, detail: { familyId: result.familyId } });
    }
    if (result.kind !== 'rotated') {
      clearRefreshCookie(c);
      throw sessionRefused();
    }
    const [user] = await db.select().from(users).where(eq(users.id, result.userId)).limit(1);
    if (!user) throw sessionRefused(); // deleted between the two statements
    const access = await signSessionToken(c, result.userId, result.familyId);
    setRefreshCookie(c, result.token);
    return c.json(sessionBody(access, publicUser(user)), 200);
  })

  .post('/api/auth/logout', async (c) => {
    const token = readRefreshCookie(c);
    if (isRefreshTokenFormat(token)) {
      const db = c.get('services').db();
      const session = await familyOf(db, token);
      if (session) {
        const revoked = await revokeFamily(db, session.familyId);
        await auditAuth(c, db, { action: 'auth.logout', userId: session.userId, detail: { familyId: session.familyId, revoked } });
      }
    }
    // Idempotent: logging out without (or with a stale) cookie still clears it.
    clearRefreshCookie(c);
    noStore(c);
    return c.body(null, 204);
  })

  .route('/', authPassword);
