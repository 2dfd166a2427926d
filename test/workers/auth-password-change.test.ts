/**
 * POST /api/auth/password: the change itself (rows, audit, a fresh session),
 * and what it refuses: a wrong current password (403, counted with login's
 * attempts), the password policy, no token, a foreign Origin, a concurrent
 * second change. Every refusal leaves the hash and the sessions as they were.
 * (That the old sessions' tokens are refused on writes is in
 * auth-revocation.test.ts.)
 */
import { and, eq, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, refreshTokens, users } from '../../shared/db/schema.ts';
import { call, errorOf, login, PASSWORD, refreshCookie, register, sessionOf, type Registered } from './support/auth.ts';
import { passwordParams } from '../../edge/auth/password.ts';
import { config, withDb } from './support/fixtures.ts';

/** How new hashes look under this edge's PASSWORD_HASH_COST (`low` in this project). */
const current = passwordParams(config);
const STORED = new RegExp(`^scrypt\\$ln=${current.ln},r=${current.r},p=${current.p}\\$`);

const NEW_PASSWORD = 'another long passphrase';

const change = (reg: { accessToken: string }, json: unknown, headers?: Record<string, string>) =>
  call('/api/auth/password', { token: reg.accessToken, json, ...(headers ? { headers } : {}) });

/** The stored hash and how many families still have a live token. */
const stateOf = (userId: string) =>
  withDb(async (db) => {
    const [user] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
    const live = await db
      .selectDistinct({ familyId: refreshTokens.familyId })
      .from(refreshTokens)
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
    return { hash: user!.hash, liveFamilies: live.map((r) => r.familyId).sort() };
  });

const auditOf = (userId: string, action: string) =>
  withDb((db) =>
    db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorId, userId), eq(auditLog.action, action))),
  );

describe('POST /api/auth/password', () => {
  it('rehashes, ends every session, and answers a fresh session with its cookie', async () => {
    const reg = await register('pw-ok');
    await sessionOf(await login(reg.email, PASSWORD), 200);
    const before = await stateOf(reg.user.id);
    expect(before.liveFamilies).toHaveLength(2);

    const res = await change(reg, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    const s = await sessionOf(res, 200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(refreshCookie(res)!.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']));
    expect(s.user).toEqual(reg.user);

    const after = await stateOf(reg.user.id);
    expect(after.hash).not.toBe(before.hash);
    expect(after.hash).toMatch(STORED);
    expect(after.liveFamilies).toHaveLength(1);
    expect(before.liveFamilies).not.toContain(after.liveFamilies[0]);

    const [audit] = await auditOf(reg.user.id, 'auth.password_change');
    expect(audit!.detail).toEqual({ familyId: after.liveFamilies[0], endedSessions: 2 });
    const text = JSON.stringify(audit);
    for (const secret of [PASSWORD, NEW_PASSWORD, s.refresh, after.hash]) expect(text).not.toContain(secret);
  });

  it('refuses a wrong current password with 403, audited, changing nothing', async () => {
    const reg = await register('pw-wrong');
    const before = await stateOf(reg.user.id);
    const res = await change(reg, { currentPassword: 'not the password at all', newPassword: NEW_PASSWORD });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: 'forbidden', message: 'The current password is not correct.' });
    expect(refreshCookie(res)).toBeUndefined();
    expect(await stateOf(reg.user.id)).toEqual(before);
    expect((await auditOf(reg.user.id, 'auth.password_change_failed')).map((a) => a.detail)).toEqual([{ reason: 'wrong_password' }]);
    expect((await call('/api/me', { token: reg.accessToken })).status).toBe(200);
  });

  it("shares login's attempt budget: after 5 wrong guesses both answer 429, even with the right password", async () => {
    const reg = await register('pw-limit');
    for (let i = 0; i < 5; i++) {
      expect((await change(reg, { currentPassword: `wrong guess ${i}`, newPassword: NEW_PASSWORD })).status).toBe(403);
    }
    const limited = await change(reg, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect(limited.status).toBe(429);
    expect((await errorOf(limited)).code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(reg.email, PASSWORD)).status).toBe(429);
    expect((await stateOf(reg.user.id)).liveFamilies).toHaveLength(1);
  });

  it('applies the password policy of registration, naming newPassword', async () => {
    const reg = await register('pw-policy');
    const before = await stateOf(reg.user.id);
    for (const newPassword of ['short', 'password123', reg.email.toUpperCase()]) {
      const res = await change(reg, { currentPassword: PASSWORD, newPassword });
      expect(res.status, newPassword).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe('validation_failed');
      expect(error.details!.fields!.map((f) => f.field)).toEqual(['newPassword']);
      expect(JSON.stringify(error)).not.toContain(newPassword);
    }
    for (const json of [{ newPassword: NEW_PASSWORD }, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, email: reg.email }]) {
      const res = await change(reg, json);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('validation_failed');
    }
    expect(await stateOf(reg.user.id)).toEqual(before);
  });

  it('needs a Bearer token and a same-origin (or no) Origin', async () => {
    const reg = await register('pw-auth');
    const before = await stateOf(reg.user.id);
    const json = { currentPassword: PASSWORD, newPassword: NEW_PASSWORD };
    const anonymous = await call('/api/auth/password', { json });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="media-platform"');
    const cookieOnly = await call('/api/auth/password', { json, refresh: reg.refresh });
    expect(cookieOnly.status).toBe(401);
    const foreign = await change(reg, json, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await stateOf(reg.user.id)).toEqual(before);
  });

  it('lets one of two concurrent changes win; the other changes nothing', async () => {
    const reg: Registered = await register('pw-race');
    const results = await Promise.all(
      ['first new passphrase', 'second new passphrase'].map(async (newPassword) => ({
        newPassword,
        res: await change(reg, { currentPassword: PASSWORD, newPassword }),
      })),
    );
    const won = results.filter((r) => r.res.status === 200);
    const lost = results.filter((r) => r.res.status !== 200);
    expect(won).toHaveLength(1);
    // 409 when both passed the checks, 401 or 403 when the loser started after the winner committed.
    expect([401, 403, 409]).toContain(lost[0]!.res.status);
    expect((await login(reg.email, won[0]!.newPassword)).status).toBe(200);
    expect((await login(reg.email, lost[0]!.newPassword)).status).toBe(401);
    expect(await auditOf(reg.user.id, 'auth.password_change')).toHaveLength(1);
  });
});
