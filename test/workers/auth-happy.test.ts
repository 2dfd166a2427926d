/**
 * Sessions end to end through the Worker: register, login, refresh rotation,
 * logout, /api/me and the JWKS, with the rows they leave behind.
 */
import { and, desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sha256Base64Url } from '../../shared/crypto/sha256.ts';
import { hashPassword, passwordParams } from '../../edge/auth/password.ts';
import { auditLog, refreshTokens, users } from '../../shared/db/schema.ts';
import { verifyAccessToken } from '../../shared/tokens/index.ts';
import { call, decodeJwt, login, PASSWORD, refreshCookie, register, sessionOf, uniqueEmail } from './support/auth.ts';
import { config, keys, party, withDb } from './support/fixtures.ts';

/** How new hashes look under this edge's PASSWORD_HASH_COST (`low` in this project; test/unit/password-cost.test.ts holds `standard` to production's). */
const current = passwordParams(config);
const STORED = new RegExp(`^scrypt\\$ln=${current.ln},r=${current.r},p=${current.p}\\$`);

const auditOf = (userId: string, action: string) =>
  withDb((db) =>
    db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorId, userId), eq(auditLog.action, action)))
      .orderBy(desc(auditLog.id)),
  );

describe('POST /api/auth/register', () => {
  it('creates the user and answers 201 with an access token, the user and the refresh cookie', async () => {
    const email = uniqueEmail('reg');
    const res = await call('/api/auth/register', { json: { email: `  ${email.toUpperCase()} `, password: PASSWORD, name: ' Ada ' } });
    const s = await sessionOf(res, 201);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(s.expiresIn).toBe(900);
    expect(s.user).toEqual({ id: expect.any(String), email: email.toUpperCase(), name: 'Ada', createdAt: expect.any(String) });
    expect(Object.keys(s.user).sort()).toEqual(['createdAt', 'email', 'id', 'name']);

    const claims = await verifyAccessToken(await keys(), s.accessToken, party);
    expect(claims.sub).toBe(s.user.id);
    expect(claims.sid).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeJwt(s.accessToken).header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: config.AUTH_SIGNING_KEYS.active });

    const cookie = refreshCookie(res)!;
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toEqual(expect.arrayContaining(['Max-Age=2592000', 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict']));
    expect(cookie.attributes.some((a) => /^domain=/i.test(a))).toBe(false);

    await withDb(async (db) => {
      const [user] = await db.select().from(users).where(eq(users.id, s.user.id));
      expect(user!.passwordHash).toMatch(STORED);
      const tokens = await db.select().from(refreshTokens).where(eq(refreshTokens.userId, s.user.id));
      expect(tokens).toHaveLength(1);
      expect(tokens[0]!.familyId).toBe(claims.sid);
      expect(tokens[0]!.tokenHash).toBe(await sha256Base64Url(cookie.value));
      expect(tokens[0]!.tokenHash).not.toContain(cookie.value);
    });
    const [audit] = await auditOf(s.user.id, 'auth.register');
    expect(audit).toBeDefined();
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
    expect(JSON.stringify(audit)).not.toContain(cookie.value);
  });
});

describe('POST /api/auth/login', () => {
  it('answers 200 with a new session (a new family), matching the email case-insensitively', async () => {
    const reg = await register('login');
    const res = await login(reg.email.toUpperCase(), PASSWORD);
    const s = await sessionOf(res, 200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(s.user).toEqual(reg.user);
    expect(s.refresh).not.toBe(reg.refresh);
    const sid = decodeJwt(s.accessToken).payload.sid;
    expect(sid).not.toBe(decodeJwt(reg.accessToken).payload.sid);
    const [audit] = await auditOf(reg.user.id, 'auth.login');
    expect(audit!.detail).toMatchObject({ familyId: sid });
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  });

  it('rehashes a password stored with older parameters on a successful login', async () => {
    const reg = await register('rehash');
    await withDb((db) =>
      hashPassword(PASSWORD, { ln: 10, r: 4, p: 1 }).then((h) =>
        db.update(users).set({ passwordHash: h }).where(eq(users.id, reg.user.id)),
      ),
    );
    await sessionOf(await login(reg.email, PASSWORD), 200);
    const [user] = await withDb((db) => db.select().from(users).where(eq(users.id, reg.user.id)));
    expect(user!.passwordHash).toMatch(STORED);
    await sessionOf(await login(reg.email, PASSWORD), 200);
  });
});

describe('POST /api/auth/refresh', () => {
  it('rotates the refresh token and issues a new access token in the same session', async () => {
    const reg = await register('refresh');
    const res = await call('/api/auth/refresh', { method: 'POST', refresh: reg.refresh });
    const s = await sessionOf(res, 200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(s.refresh).not.toBe(reg.refresh);
    expect(s.user).toEqual(reg.user);
    expect(s.accessToken).not.toBe(reg.accessToken);
    expect(decodeJwt(s.accessToken).payload.sid).toBe(decodeJwt(reg.accessToken).payload.sid);
    expect(refreshCookie(res)!.attributes).toContain('Max-Age=2592000');

    await withDb(async (db) => {
      const [old] = await db
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, await sha256Base64Url(reg.refresh)));
      const [next] = await db
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, await sha256Base64Url(s.refresh)));
      expect(old!.usedAt).not.toBeNull();
      expect(old!.replacedBy).toBe(next!.id);
      expect(next!.familyId).toBe(old!.familyId);
      expect(next!.usedAt).toBeNull();
      // Sliding: the successor lives 30 days from now.
      const lifeDays = (next!.expiresAt.getTime() - old!.usedAt!.getTime()) / 86_400_000;
      expect(lifeDays).toBeGreaterThan(29.99);
      expect(lifeDays).toBeLessThan(30.01);
    });
  });

  it('keeps rotating along a chain', async () => {
    let refresh = (await register('chain')).refresh;
    for (let i = 0; i < 3; i++) {
      const s = await sessionOf(await call('/api/auth/refresh', { method: 'POST', refresh }), 200);
      expect(s.refresh).not.toBe(refresh);
      refresh = s.refresh;
    }
  });
});

describe('POST /api/auth/logout', () => {
  it('revokes the session, clears the cookie and answers 204', async () => {
    const reg = await register('logout');
    expect((await call('/api/me', { token: reg.accessToken })).status).toBe(200);
    const res = await call('/api/auth/logout', { method: 'POST', refresh: reg.refresh });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(refreshCookie(res)).toEqual({ value: '', attributes: expect.arrayContaining(['Max-Age=0', 'Path=/', 'Secure']) });
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: reg.refresh })).status).toBe(401);
    // The access token's session is gone, so /api/me refuses it before it expires.
    expect((await call('/api/me', { token: reg.accessToken })).status).toBe(401);
    const rows = await withDb((db) => db.select().from(refreshTokens).where(eq(refreshTokens.userId, reg.user.id)));
    expect(rows.every((r) => r.revokedAt !== null)).toBe(true);
    const [audit] = await auditOf(reg.user.id, 'auth.logout');
    expect(audit!.detail).toMatchObject({ familyId: decodeJwt(reg.accessToken).payload.sid, revoked: 1 });
  });

  it('is idempotent without a cookie', async () => {
    const res = await call('/api/auth/logout', { method: 'POST' });
    expect(res.status).toBe(204);
    expect(refreshCookie(res)?.attributes).toContain('Max-Age=0');
  });

  it('ends only its own session', async () => {
    const reg = await register('two-sessions');
    const other = await sessionOf(await login(reg.email, PASSWORD), 200);
    expect((await call('/api/auth/logout', { method: 'POST', refresh: reg.refresh })).status).toBe(204);
    expect((await call('/api/me', { token: other.accessToken })).status).toBe(200);
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: other.refresh })).status).toBe(200);
  });
});

describe('GET /api/me', () => {
  it('returns the current user', async () => {
    const reg = await register('me');
    const res = await call('/api/me', { token: reg.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await res.json()).toEqual({ user: reg.user });
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('publishes both keys, public members only, cacheable', async () => {
    const res = await call('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('content-type')).toBe('application/jwk-set+json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    const configured = config.AUTH_SIGNING_KEYS.keys.map((k) => k.kid).sort();
    expect(configured).toHaveLength(2);
    expect(body.keys.map((k) => k.kid).sort()).toEqual(configured);
    for (const key of body.keys) {
      expect(Object.keys(key).every((m) => ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use'].includes(m))).toBe(true);
      expect(key).not.toHaveProperty('d');
    }
    expect(body.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA']);
  });
});
