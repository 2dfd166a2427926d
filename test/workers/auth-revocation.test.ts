/**
 * Revocation reaches writes: once a session ends (logout, refresh-token
 * replay, password change, account disabled), its still unexpired access
 * token is refused at once on every request that changes data or hands out
 * access, and nothing changes. Plain reads keep the documented window (the
 * token's remaining life, at most 15 minutes), except GET /api/me.
 */
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../shared/db/schema.ts';
import { signAccessToken } from '../../shared/tokens/index.ts';
import { call, decodeJwt, errorOf, login, PASSWORD, register, sessionOf, type Registered } from './support/auth.ts';
import { keys, party, withDb } from './support/fixtures.ts';
import { expectSessionEnded, expectWritesRefused, send, worldOf, writes, type World } from './support/revocation.ts';

/** Reads stay open within the window; /api/me asks the database and refuses. */
async function expectReadWindow(token: string, w: World) {
  expect((await call(`/api/assets/${w.assetId}`, { token })).status).toBe(200);
  await expectSessionEnded(await call('/api/me', { token }), 'GET /api/me');
}

/** A fresh session of the same user changes data again. */
async function expectFreshTokenWorks(email: string, password: string, w: World) {
  const fresh = await sessionOf(await login(email, password), 200);
  const res = await call(`/api/assets/${w.assetId}`, { method: 'PATCH', token: fresh.accessToken, json: { title: 'fresh' } });
  expect(res.status).toBe(200);
}

describe('a live session (the control)', () => {
  it('makes every probed request (so the refusals below are about the session)', async () => {
    const reg = await register('live');
    const w = await worldOf(reg.user.id);
    for (const probe of writes(w).filter((p) => p.name !== 'POST password')) {
      const res = await send(probe, reg.accessToken);
      expect(res.status, `${probe.name}: ${await res.clone().text()}`).toBeLessThan(300);
    }
    const password = writes(w).find((p) => p.name === 'POST password')!;
    expect((await send(password, reg.accessToken)).status).toBe(200);
  });
});

describe('after logout', () => {
  it('refuses the old access token on writes at once; reads keep the window', async () => {
    const reg = await register('logout');
    const w = await worldOf(reg.user.id);
    expect((await call('/api/auth/logout', { method: 'POST', refresh: reg.refresh })).status).toBe(204);
    await expectWritesRefused(reg.accessToken, w);
    await expectReadWindow(reg.accessToken, w);
    await expectFreshTokenWorks(reg.email, PASSWORD, w);
    // The new session did not revive the old token.
    await expectSessionEnded(await send(writes(w)[0]!, reg.accessToken), 'old token after a new login');
  });
});

describe('after a refresh-token replay', () => {
  it('refuses every access token of the revoked family, the newest included', async () => {
    const reg = await register('replay');
    const w = await worldOf(reg.user.id);
    const rotated = await sessionOf(await call('/api/auth/refresh', { method: 'POST', refresh: reg.refresh }), 200);
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: reg.refresh })).status).toBe(401);
    await expectWritesRefused(rotated.accessToken, w);
    await expectWritesRefused(reg.accessToken, w);
    await expectReadWindow(rotated.accessToken, w);
    await expectFreshTokenWorks(reg.email, PASSWORD, w);
  });
});

describe('after a password change', () => {
  let reg: Registered;
  let other: Awaited<ReturnType<typeof sessionOf>>;
  let changed: Awaited<ReturnType<typeof sessionOf>>;
  let w: World;
  const NEW_PASSWORD = 'a brand new passphrase';

  beforeAll(async () => {
    reg = await register('pwchange');
    other = await sessionOf(await login(reg.email, PASSWORD), 200);
    w = await worldOf(reg.user.id);
    const res = await call('/api/auth/password', {
      token: reg.accessToken,
      json: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    changed = await sessionOf(res, 200);
  });

  it('refuses the other device at once, on writes and on refresh', async () => {
    await expectWritesRefused(other.accessToken, w);
    await expectReadWindow(other.accessToken, w);
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: other.refresh })).status).toBe(401);
  });

  it("refuses the changing session's own old token and refresh cookie", async () => {
    await expectWritesRefused(reg.accessToken, w);
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: reg.refresh })).status).toBe(401);
  });

  it('answers a new session that works, and only the new password logs in', async () => {
    expect(decodeJwt(changed.accessToken).payload.sid).not.toBe(decodeJwt(reg.accessToken).payload.sid);
    const res = await call(`/api/assets/${w.assetId}`, {
      method: 'PATCH',
      token: changed.accessToken,
      json: { title: 'after the change' },
    });
    expect(res.status).toBe(200);
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: changed.refresh })).status).toBe(200);
    expect((await login(reg.email, PASSWORD)).status).toBe(401);
    await expectFreshTokenWorks(reg.email, NEW_PASSWORD, w);
  });
});

describe('a disabled account', () => {
  it('is refused on writes at once, and cannot log in or refresh', async () => {
    const reg = await register('disabled');
    const w = await worldOf(reg.user.id);
    await withDb((db) => db.update(users).set({ disabledAt: sql`now()` }).where(eq(users.id, reg.user.id)));
    await expectWritesRefused(reg.accessToken, w);
    await expectReadWindow(reg.accessToken, w);
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: reg.refresh })).status).toBe(401);
    expect((await login(reg.email, PASSWORD)).status).toBe(401);
    // Enabled again, the same (unrevoked) session works again: disabling is not a revocation.
    await withDb((db) => db.update(users).set({ disabledAt: null }).where(eq(users.id, reg.user.id)));
    expect((await send(writes(w)[0]!, reg.accessToken)).status).toBe(200);
  });
});

describe('tokens that name no live session of their subject', () => {
  it("refuses a genuine signature over another user's live session", async () => {
    const victim = await register('victim');
    const attacker = await register('attacker');
    const w = await worldOf(attacker.user.id);
    const victimSid = decodeJwt(victim.accessToken).payload.sid as string;
    const { token } = await signAccessToken(await keys(), { ...party, sub: attacker.user.id, sid: victimSid });
    await expectWritesRefused(token, w);
  });

  it('refuses a sub or sid that is not a UUID, or a missing sid, with 401 unauthorized everywhere', async () => {
    const reg = await register('claims');
    const w = await worldOf(reg.user.id);
    const sid = decodeJwt(reg.accessToken).payload.sid as string;
    const ks = await keys();
    const tokens = {
      'sub not a uuid': (await signAccessToken(ks, { ...party, sub: 'not-a-uuid', sid })).token,
      'sub in capitals': (await signAccessToken(ks, { ...party, sub: reg.user.id.toUpperCase(), sid })).token,
      'sid not a uuid': (await signAccessToken(ks, { ...party, sub: reg.user.id, sid: 'not-a-uuid' })).token,
      'no sid': (await signAccessToken(ks, { ...party, sub: reg.user.id })).token,
    };
    const reads = ['/api/me', '/api/assets', `/api/assets/${w.assetId}`, `/api/assets/${w.assetId}/status`, `/m/${w.assetId}/w320.webp`];
    for (const [label, token] of Object.entries(tokens)) {
      const probes = [...reads.map((path) => ({ name: `GET ${path}`, method: 'GET', path })), ...writes(w)];
      for (const probe of probes) {
        const res = await send(probe, token);
        expect(res.status, `${label}: ${probe.name}`).toBe(401);
        expect(res.headers.get('www-authenticate'), `${label}: ${probe.name}`).toBe('Bearer realm="media-platform", error="invalid_token"');
        expect((await errorOf(res)).code, `${label}: ${probe.name}`).toBe('unauthorized');
      }
    }
  });
});
