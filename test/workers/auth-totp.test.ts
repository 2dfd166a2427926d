/**
 * TOTP second factor: enrolment confirmed by a code, login in two steps with
 * a single-purpose challenge token, replay refusal, recovery codes, disable,
 * and the refusals of each step with nothing changed.
 */
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { passwordVersion } from '../../edge/auth/totp/second-step.routes.ts';
import { auditLog, recoveryCodes, users, userTotp } from '../../shared/db/schema.ts';
import { signSecondStepToken } from '../../shared/tokens/index.ts';
import { call, decodeJwt, errorOf, login, PASSWORD, register, sessionOf } from './support/auth.ts';
import { keys, party, withDb } from './support/fixtures.ts';
import { challenge, codeOf, enrol, freshCode } from './support/totp.ts';

const totpRow = (userId: string) => withDb(async (db) => (await db.select().from(userTotp).where(eq(userTotp.userId, userId)))[0]);
const status = async (token: string) => (await (await call('/api/auth/totp', { token })).json()) as Record<string, unknown>;

describe('enrolment', () => {
  it('answers a secret and an otpauth URI; a wrong code does not enable; the right one does, with ten recovery codes', async () => {
    const reg = await register('enrol');
    const res = await call('/api/auth/totp/enrol', { method: 'POST', token: reg.accessToken });
    expect(res.status).toBe(200);
    const { secret, uri } = (await res.json()) as { secret: string; uri: string };
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const u = new URL(uri);
    expect(u.protocol).toBe('otpauth:');
    expect(u.searchParams.get('secret')).toBe(secret);
    expect(u.searchParams.get('period')).toBe('30');
    expect(u.searchParams.get('digits')).toBe('6');
    expect(u.searchParams.get('algorithm')).toBe('SHA1');
    expect(await status(reg.accessToken)).toEqual({ enabled: false, pending: true, recoveryCodesLeft: 0 });

    // The secret is sealed at rest: not in the row in any spelling.
    const row = await totpRow(reg.user.id);
    expect(row!.secretSealed).toMatch(/^v1\./);
    expect(row!.secretSealed.toUpperCase()).not.toContain(secret.slice(0, 12));

    const wrong = String((Number(codeOf(secret)) + 1) % 1_000_000).padStart(6, '0');
    const refused = await call('/api/auth/totp/confirm', { token: reg.accessToken, json: { code: wrong } });
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe('invalid_code');
    expect((await totpRow(reg.user.id))!.confirmedAt).toBeNull();
    // Login still needs the password only.
    expect((await login(reg.email, PASSWORD)).status).toBe(200);

    const ok = await call('/api/auth/totp/confirm', { token: reg.accessToken, json: { code: codeOf(secret) } });
    expect(ok.status).toBe(200);
    const { recoveryCodes: codes } = (await ok.json()) as { recoveryCodes: string[] };
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    // Stored hashed.
    const stored = await withDb((db) => db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, reg.user.id)));
    expect(stored).toHaveLength(10);
    for (const s of stored) expect(codes.join(' ')).not.toContain(s.codeHash);
    expect(await status(reg.accessToken)).toEqual({ enabled: true, pending: false, recoveryCodesLeft: 10 });
  });

  it('enabling 2FA ends every other session at once; the enrolling one stays', async () => {
    const reg = await register('enrol-ends');
    const other = await sessionOf(await login(reg.email, PASSWORD), 200);
    await enrol(reg);
    const write = await call('/api/auth/logout', { method: 'POST', refresh: other.refresh });
    expect(write.status).toBe(204); // idempotent logout; the proof is the refresh below
    const refreshed = await call('/api/auth/refresh', { method: 'POST', refresh: other.refresh });
    expect(refreshed.status).toBe(401);
    const me = await call('/api/me', { token: other.accessToken });
    expect((await errorOf(me)).code).toBe('session_ended');
    expect((await call('/api/me', { token: reg.accessToken })).status).toBe(200);
  });

  it('refuses a second enrolment while enabled, and a confirm without an enrolment (409, nothing changed)', async () => {
    const reg = await register('enrol-twice');
    const confirmFirst = await call('/api/auth/totp/confirm', { token: reg.accessToken, json: { code: '123456' } });
    expect(confirmFirst.status).toBe(409);
    const { secret } = await enrol(reg);
    const before = await totpRow(reg.user.id);
    const again = await call('/api/auth/totp/enrol', { method: 'POST', token: reg.accessToken });
    expect(again.status).toBe(409);
    expect((await totpRow(reg.user.id))!.secretSealed).toBe(before!.secretSealed);
    expect(secret).toBeTruthy();
  });

  it('refuses malformed codes and bodies with 400', async () => {
    const reg = await register('enrol-bad');
    await call('/api/auth/totp/enrol', { method: 'POST', token: reg.accessToken });
    for (const json of [
      { code: '12345' },
      { code: 'abcdef' },
      { code: 123456 },
      {},
      { code: '123456', extra: 1 },
      { code: '1'.repeat(40) },
    ]) {
      const res = await call('/api/auth/totp/confirm', { token: reg.accessToken, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
    expect((await totpRow(reg.user.id))!.confirmedAt).toBeNull();
  });

  it('needs a signed-in session', async () => {
    expect((await call('/api/auth/totp/enrol', { method: 'POST' })).status).toBe(401);
    expect((await call('/api/auth/totp')).status).toBe(401);
  });
});

describe('login with a second factor', () => {
  it('asks for a code after the password, then signs in; the challenge token is no access token', async () => {
    const reg = await register('login2');
    const { secret, usedStep } = await enrol(reg);
    const token = await challenge(reg.email, PASSWORD);
    const { header, payload } = decodeJwt(token);
    expect(header.typ).toBe('2fa+jwt');
    expect(payload.aud).not.toBe(decodeJwt(reg.accessToken).payload.aud);
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);

    // Not an access token: refused on reads, writes, and as an API credential.
    expect((await call('/api/me', { token })).status).toBe(401);
    expect((await call('/api/assets', { token })).status).toBe(401);
    expect((await call('/api/uploads', { token, json: { filename: 'a.txt', size: 1, contentType: 'text/plain' } })).status).toBe(401);
    expect((await call('/api/auth/totp/enrol', { method: 'POST', token })).status).toBe(401);
    // And an access token is no challenge token.
    const swapped = await call('/api/auth/login/second-factor', { json: { challengeToken: reg.accessToken, code: '000000' } });
    expect(swapped.status).toBe(401);

    const res = await call('/api/auth/login/second-factor', { json: { challengeToken: token, code: freshCode(secret, usedStep) } });
    const session = await sessionOf(res, 200);
    expect(session.user.id).toBe(reg.user.id);
    expect((await call('/api/me', { token: session.accessToken })).status).toBe(200);
  });

  it('refuses a wrong code and a replayed code, and counts them against the limit', async () => {
    const reg = await register('replay2');
    const { secret, usedStep } = await enrol(reg);
    const code = freshCode(secret, usedStep);
    const ok = await call('/api/auth/login/second-factor', { json: { challengeToken: await challenge(reg.email, PASSWORD), code } });
    expect(ok.status).toBe(200);
    const replay = await call('/api/auth/login/second-factor', { json: { challengeToken: await challenge(reg.email, PASSWORD), code } });
    expect(replay.status).toBe(403);
    expect((await errorOf(replay)).code).toBe('code_replayed');
    expect(replay.headers.get('set-cookie')).toBeNull();
    // Both refusals are in the audit log (no code in it).
    const audited = await withDb((db) =>
      db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.actorId, reg.user.id), eq(auditLog.action, 'auth.second_factor_failed'))),
    );
    expect(audited.map((a) => a.detail)).toEqual([{ reason: 'code_replayed', on: 'login' }]);
    // The confirming code (an earlier step) is refused too.
    const old = await call('/api/auth/login/second-factor', {
      json: { challengeToken: await challenge(reg.email, PASSWORD), code: codeOf(secret, usedStep - Math.floor(Date.now() / 30_000)) },
    });
    expect(old.status).toBe(403);
  });

  it('rate-limits codes per account: after 5 failures even the right code is 429', async () => {
    const reg = await register('limit2');
    const { secret, usedStep } = await enrol(reg);
    const token = await challenge(reg.email, PASSWORD);
    const right = freshCode(secret, usedStep);
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) {
      const res = await call('/api/auth/login/second-factor', { json: { challengeToken: token, code: wrong } });
      expect(res.status).toBe(403);
    }
    const limited = await call('/api/auth/login/second-factor', { json: { challengeToken: token, code: right } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses an expired, forged or voided challenge token', async () => {
    const reg = await register('expired2');
    const { secret, usedStep } = await enrol(reg);
    const token = await challenge(reg.email, PASSWORD);
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(atob(p!.replace(/-/g, '+').replace(/_/g, '/')));
    const forgedBody = btoa(JSON.stringify({ ...payload, exp: payload.exp + 3600 }))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    // Expired: signed by the edge's own key, for this user and password, 6 minutes ago.
    const user = await withDb(async (db) => (await db.select().from(users).where(eq(users.id, reg.user.id)))[0]!);
    const expired = await signSecondStepToken(await keys(), {
      ...party,
      sub: reg.user.id,
      pwv: await passwordVersion(user.passwordHash),
      now: new Date(Date.now() - 6 * 60_000),
    });
    const fresh = await signSecondStepToken(await keys(), { ...party, sub: reg.user.id, pwv: await passwordVersion(user.passwordHash) });
    for (const bad of [expired.token, `${h}.${forgedBody}.${s}`, 'not-a-token', `${token}x`]) {
      const res = await call('/api/auth/login/second-factor', { json: { challengeToken: bad, code: freshCode(secret, usedStep) } });
      expect(res.status, bad.slice(0, 20)).toBe(401);
    }
    // The control: the same token, minted now, is accepted (so the refusals above are about expiry and forgery).
    const control = await call('/api/auth/login/second-factor', {
      json: { challengeToken: fresh.token, code: freshCode(secret, usedStep) },
    });
    expect(control.status).toBe(200);
    // A password change voids the challenge issued before it.
    const changed = await call('/api/auth/password', {
      token: reg.accessToken,
      json: { currentPassword: PASSWORD, newPassword: 'another long passphrase' },
    });
    expect(changed.status).toBe(200);
    const voided = await call('/api/auth/login/second-factor', { json: { challengeToken: token, code: freshCode(secret, usedStep) } });
    expect(voided.status).toBe(401);
  });

  it('accepts each recovery code once', async () => {
    const reg = await register('recovery2');
    const { recoveryCodes: codes } = await enrol(reg);
    const typed = codes[3]!.toUpperCase().replace('-', ' ');
    const ok = await call('/api/auth/login/second-factor', {
      json: { challengeToken: await challenge(reg.email, PASSWORD), recoveryCode: typed },
    });
    expect((await sessionOf(ok, 200)).user.id).toBe(reg.user.id);
    const again = await call('/api/auth/login/second-factor', {
      json: { challengeToken: await challenge(reg.email, PASSWORD), recoveryCode: codes[3] },
    });
    expect(again.status).toBe(403);
    expect((await errorOf(again)).code).toBe('invalid_code');
    expect(await status(reg.accessToken)).toMatchObject({ recoveryCodesLeft: 9 });
  });

  it('refuses a body with both or neither factor (400)', async () => {
    const reg = await register('both2');
    await enrol(reg);
    const token = await challenge(reg.email, PASSWORD);
    for (const json of [{ challengeToken: token }, { challengeToken: token, code: '123456', recoveryCode: 'abcde-fghjk' }]) {
      expect((await call('/api/auth/login/second-factor', { json })).status).toBe(400);
    }
  });
});

describe('disable', () => {
  it('needs the password and a code; refusals change nothing', async () => {
    const reg = await register('disable');
    const { secret, usedStep, recoveryCodes: codes } = await enrol(reg);
    const wrongPw = await call('/api/auth/totp/disable', {
      token: reg.accessToken,
      json: { password: 'not the password', code: freshCode(secret, usedStep) },
    });
    expect(wrongPw.status).toBe(403);
    expect((await errorOf(wrongPw)).code).toBe('forbidden');
    const wrongCode = await call('/api/auth/totp/disable', {
      token: reg.accessToken,
      json: { password: PASSWORD, recoveryCode: 'zzzzz-zzzzz' },
    });
    expect(wrongCode.status).toBe(403);
    expect((await errorOf(wrongCode)).code).toBe('invalid_code');
    expect(await status(reg.accessToken)).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });

    const ok = await call('/api/auth/totp/disable', { token: reg.accessToken, json: { password: PASSWORD, recoveryCode: codes[0] } });
    expect(ok.status).toBe(204);
    expect(await totpRow(reg.user.id)).toBeUndefined();
    expect((await login(reg.email, PASSWORD)).status).toBe(200);
  });
});
