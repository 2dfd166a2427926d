/**
 * Passkeys (WebAuthn) through the Worker against real Postgres, with a
 * software authenticator that signs for real (./support/webauthn.ts):
 * registration (password needed), list, rename, remove; sign-in with a
 * discoverable credential; a passkey as a login's second step; and every
 * refusal with nothing changed: wrong origin or RP ID, no user verification,
 * replayed, expired or misbound challenge, counter regression, unknown
 * credential, another user's credential, disabled user, API keys, ended
 * sessions, attempt limits.
 */
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, passkeys, users, webauthnChallenges } from '../../shared/db/schema.ts';
import { createKey, withKey } from './support/api-keys.ts';
import { call, errorOf, login, refreshCookie, register, sessionOf, uniqueIp, type Registered } from './support/auth.ts';
import { withDb } from './support/fixtures.ts';
import { enrol } from './support/totp.ts';
import { addPasskey, registrationOptions, RP, signInOptions, SoftAuthenticator } from './support/webauthn.ts';

const rows = (userId: string) => withDb((db) => db.select().from(passkeys).where(eq(passkeys.userId, userId)));
const list = async (reg: Registered) => {
  const res = await call('/api/auth/passkeys', { token: reg.accessToken });
  expect(res.status).toBe(200);
  return ((await res.json()) as { passkeys: { id: string; name: string; lastUsedAt: string | null; backedUp: boolean }[] }).passkeys;
};
const finish = (reg: Registered, response: unknown, name = 'Key') =>
  call('/api/auth/passkeys/registration', { token: reg.accessToken, json: { name, response } });
const signIn = (response: unknown, ip?: string) => call('/api/auth/passkeys/sign-in', { json: { response }, ...(ip ? { ip } : {}) });
const expectError = async (res: Response, status: number, code: string) => {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(code);
};

describe('registration', () => {
  it('needs the password; answers options for a discoverable, user-verified credential; registers, lists and renames', async () => {
    const reg = await register('pk-reg');
    const wrong = await call('/api/auth/passkeys/registration/options', { token: reg.accessToken, json: { password: 'not it at all' } });
    await expectError(wrong, 403, 'forbidden');
    const noBody = await call('/api/auth/passkeys/registration/options', { method: 'POST', token: reg.accessToken });
    await expectError(noBody, 400, 'bad_request');

    const options = await registrationOptions(reg);
    expect(options.rp.id).toBe(RP.rpId);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.excludeCredentials).toEqual([]);
    const auth = await SoftAuthenticator.create(RP);
    const res = await finish(reg, await auth.register(options), '  Work laptop ');
    expect(res.status, await res.clone().text()).toBe(201);
    const created = (await res.json()) as { id: string; name: string; deviceType: string; transports: string[] };
    expect(created).toMatchObject({ name: 'Work laptop', deviceType: 'singleDevice', transports: ['internal'] });
    const [row] = await rows(reg.user.id);
    expect(row).toMatchObject({ credentialId: auth.id, counter: 1, name: 'Work laptop' });

    // The next options exclude it; registering the same authenticator again is a conflict.
    const again = await registrationOptions(reg);
    expect(again.excludeCredentials?.map((c) => c.id)).toEqual([auth.id]);
    await expectError(await finish(reg, await auth.register(again)), 409, 'conflict');

    const renamed = await call(`/api/auth/passkeys/${created.id}`, { method: 'PATCH', token: reg.accessToken, json: { name: 'Phone' } });
    expect(renamed.status).toBe(200);
    expect((await list(reg)).map((p) => p.name)).toEqual(['Phone']);
    await expectError(
      await call(`/api/auth/passkeys/${created.id}`, { method: 'PATCH', token: reg.accessToken, json: { name: '' } }),
      400,
      'validation_failed',
    );
    const audit = await withDb((db) => db.select().from(auditLog).where(eq(auditLog.actorId, reg.user.id)));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['auth.passkey_register', 'auth.passkey_rename']));
  });

  it('refuses a wrong origin, a wrong RP ID, a missing user verification and a wrong type, storing nothing', async () => {
    const reg = await register('pk-reg-bad');
    for (const bend of [
      { origin: 'https://evil.test' },
      { origin: 'https://edge.test.evil.test' },
      { rpId: 'evil.test' },
      { noUserVerification: true },
      { type: 'webauthn.get' },
    ]) {
      const auth = await SoftAuthenticator.create(RP);
      const res = await finish(reg, await auth.register(await registrationOptions(reg), bend));
      await expectError(res, 403, 'passkey_invalid');
    }
    expect(await rows(reg.user.id)).toEqual([]);
    const failed = await withDb((db) =>
      db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.actorId, reg.user.id), eq(auditLog.action, 'auth.passkey_failed'))),
    );
    expect(failed).toHaveLength(5);
  });

  it('refuses a replayed, an expired, an unknown and another user’s challenge', async () => {
    const reg = await register('pk-chal');
    const other = await register('pk-chal-other');
    const auth = await SoftAuthenticator.create(RP);
    const options = await registrationOptions(reg);
    const response = await auth.register(options);
    expect((await finish(reg, response)).status).toBe(201);
    await expectError(await finish(reg, response), 400, 'challenge_replayed');

    // Expired: the row's time is over (5 minutes are not waited for).
    const late = await registrationOptions(reg);
    await withDb((db) =>
      db
        .update(webauthnChallenges)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(webauthnChallenges.challenge, late.challenge)),
    );
    const lateAuth = await SoftAuthenticator.create(RP);
    await expectError(await finish(reg, await lateAuth.register(late)), 400, 'challenge_expired');

    // A challenge this server never issued, and one issued to another user.
    await expectError(await finish(reg, await lateAuth.register({ ...late, challenge: 'A'.repeat(43) })), 400, 'challenge_expired');
    const theirs = await registrationOptions(other);
    await expectError(await finish(reg, await lateAuth.register(theirs)), 400, 'challenge_expired');
    // Theirs was not consumed by the refused attempt: still good for them.
    expect((await finish(other, await lateAuth.register(theirs))).status).toBe(201);
    // A sign-in challenge is not a registration challenge.
    const signInChallenge = await signInOptions();
    await expectError(
      await finish(reg, await (await SoftAuthenticator.create(RP)).register({ ...late, challenge: signInChallenge.challenge })),
      400,
      'challenge_expired',
    );
    expect(await rows(reg.user.id)).toHaveLength(1);
  });

  it('is session only: an API key cannot list, start or finish; an ended session cannot either', async () => {
    const reg = await register('pk-key');
    const key = await createKey(reg.accessToken, ['assets:read', 'assets:write', 'uploads', 'sharing']);
    for (const [method, path, json] of [
      ['GET', '/api/auth/passkeys', undefined],
      ['POST', '/api/auth/passkeys/registration/options', { password: reg.password }],
      ['POST', '/api/auth/passkeys/registration', { name: 'x', response: {} }],
      ['DELETE', `/api/auth/passkeys/${crypto.randomUUID()}`, { password: reg.password }],
    ] as const) {
      await expectError(await withKey(path, key.secret, { method, ...(json ? { json } : {}) }), 403, 'insufficient_scope');
    }
    await expectError(await call('/api/auth/passkeys'), 401, 'unauthorized');
    // Logged out: the access token still verifies, but writes need a live session.
    expect((await call('/api/auth/logout', { method: 'POST', refresh: reg.refresh })).status).toBe(204);
    await expectError(
      await call('/api/auth/passkeys/registration/options', { token: reg.accessToken, json: { password: reg.password } }),
      401,
      'session_ended',
    );
    expect(await rows(reg.user.id)).toEqual([]);
  });

  it('the first passkey (the first second factor) ends every other session; a later one does not', async () => {
    const reg = await register('pk-first');
    const other = await sessionOf(await login(reg.email, reg.password), 200);
    await addPasskey(reg);
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: other.refresh })).status).toBe(401);
    const third = await (async () => {
      // Now a login needs the second step; a passkey sign-in makes a session directly.
      const auth = (await addPasskey(reg, 'Second')).auth;
      return sessionOf(await signIn(await auth.assert(await signInOptions())), 200);
    })();
    await addPasskey(reg, 'Third');
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: third.refresh })).status).toBe(200);
  });
});

describe('sign-in with a passkey', () => {
  it('answers a session and the refresh cookie, from options with no allowCredentials; counts as both factors', async () => {
    const reg = await register('pk-sign');
    await enrol(reg); // TOTP on: a password login would ask for a code; a passkey does not.
    const { auth } = await addPasskey(reg);
    const options = await signInOptions();
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.userVerification).toBe('required');
    const res = await signIn(await auth.assert(options));
    const session = await sessionOf(res, 200);
    expect(session.user.email).toBe(reg.email);
    expect(refreshCookie(res)?.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict']));
    expect((await call('/api/me', { token: session.accessToken })).status).toBe(200);
    const [row] = await rows(reg.user.id);
    expect(row!.counter).toBe(2);
    expect(row!.lastUsedAt).not.toBeNull();
    expect((await list(reg))[0]!.lastUsedAt).not.toBeNull();
  });

  it('works without a user handle and with an authenticator that does not count (counter 0 stays 0)', async () => {
    const reg = await register('pk-zero');
    const { auth } = await addPasskey(reg, 'Synced', false);
    expect((await list(reg))[0]!.backedUp).toBe(true);
    for (let i = 0; i < 2; i++) await sessionOf(await signIn(await auth.assert(await signInOptions(), { noUserHandle: true })), 200);
    expect((await rows(reg.user.id))[0]!.counter).toBe(0);
  });

  it('refuses a replayed assertion, a counter that goes back, a wrong origin or RP ID, no user verification, a forged signature', async () => {
    const reg = await register('pk-sign-bad');
    const { auth } = await addPasskey(reg);
    const options = await signInOptions();
    const good = await auth.assert(options);
    await sessionOf(await signIn(good), 200);
    await expectError(await signIn(good), 400, 'challenge_replayed');
    const counter = (await rows(reg.user.id))[0]!.counter;

    // A cloned key: the counter is not above the stored one (lower, then equal).
    for (const c of [counter - 1, counter]) {
      await expectError(await signIn(await auth.assert(await signInOptions(), { counter: c })), 403, 'passkey_counter_regressed');
    }
    for (const bend of [{ origin: 'https://evil.test' }, { rpId: 'evil.test' }, { noUserVerification: true }]) {
      await expectError(await signIn(await auth.assert(await signInOptions(), bend)), 403, 'passkey_invalid');
    }
    // (Five failures: the account's budget is spent; the forged signature uses another account.)
    const other = (await addPasskey(await register('pk-forged'))).auth;
    const forged = await other.assert(await signInOptions());
    const sig = forged.response.signature;
    forged.response.signature = `${sig.slice(0, 20)}${sig[20] === 'A' ? 'B' : 'A'}${sig.slice(21)}`;
    await expectError(await signIn(forged), 403, 'passkey_invalid');
    await expectError(await signIn(await auth.assert(await signInOptions())), 429, 'rate_limited');
    // Nothing moved: the counter is the last good one; no new session rows for this user beyond the one.
    expect((await rows(reg.user.id))[0]!.counter).toBe(counter);
    const reasons = await withDb(async (db) =>
      (
        await db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.actorId, reg.user.id), eq(auditLog.action, 'auth.passkey_failed')))
      ).map((a) => (a.detail as { reason: string }).reason),
    );
    expect(reasons).toEqual(expect.arrayContaining(['passkey_counter_regressed', 'passkey_invalid']));
  });

  it('refuses an unknown credential, a user handle of another user, and a disabled account', async () => {
    const reg = await register('pk-unknown');
    const stranger = await SoftAuthenticator.create(RP);
    stranger.userHandle = 'AAAAAAAAAAAAAAAAAAAAAA';
    await expectError(await signIn(await stranger.assert(await signInOptions())), 401, 'unauthorized');

    const { auth } = await addPasskey(reg);
    const realHandle = auth.userHandle;
    auth.userHandle = 'AAAAAAAAAAAAAAAAAAAAAA';
    await expectError(await signIn(await auth.assert(await signInOptions())), 401, 'unauthorized');
    auth.userHandle = realHandle;

    await withDb((db) => db.update(users).set({ disabledAt: sql`now()` }).where(eq(users.id, reg.user.id)));
    const res = await signIn(await auth.assert(await signInOptions()));
    await expectError(res, 401, 'unauthorized');
    expect(refreshCookie(res)).toBeUndefined();
  });

  it('is limited like passwords: failures from one address end in 429, before any verification', async () => {
    const ip = uniqueIp();
    const auth = await SoftAuthenticator.create(RP);
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await signIn(await auth.assert({ challenge: 'B'.repeat(43) }), ip)).status);
    expect(statuses.slice(0, 20).every((s) => s === 400)).toBe(true);
    expect(statuses[20]).toBe(429);

    // Per account too: failures of one passkey from many addresses.
    const reg = await register('pk-limit');
    const mine = await addPasskey(reg);
    const results: number[] = [];
    for (let i = 0; i < 6; i++)
      results.push((await signIn(await mine.auth.assert(await signInOptions(), { origin: 'https://evil.test' }))).status);
    expect(results.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(results[5]).toBe(429);
  });

  it('refuses malformed bodies with 400 and the error shape', async () => {
    for (const json of [{}, { response: { id: 'x' } }, { response: { id: '!!', rawId: '!!', type: 'public-key', response: {} } }]) {
      const res = await call('/api/auth/passkeys/sign-in', { json });
      expect(res.status).toBe(400);
      const err = await errorOf(res);
      expect(err.code).toBe('validation_failed');
      expect(err.requestId).toBeTruthy();
    }
  });
});

describe('a passkey as the second step of a password login', () => {
  it('login answers 202 naming the factors; the challenge token gets options listing the passkeys; an assertion signs in', async () => {
    const reg = await register('pk-2fa');
    const { auth } = await addPasskey(reg);
    const first = await login(reg.email, reg.password);
    expect(first.status).toBe(202);
    const step = (await first.json()) as { secondFactor: string; secondFactors: string[]; challengeToken: string };
    expect(step.secondFactors).toEqual(['passkey']);
    expect(step.secondFactor).toBe('passkey');

    const optRes = await call('/api/auth/login/second-factor/passkey-options', { json: { challengeToken: step.challengeToken } });
    expect(optRes.status).toBe(200);
    const { options } = (await optRes.json()) as { options: { challenge: string; allowCredentials: { id: string }[] } };
    expect(options.allowCredentials.map((c) => c.id)).toEqual([auth.id]);
    const passkey = await auth.assert(options);
    const done = await call('/api/auth/login/second-factor', { json: { challengeToken: step.challengeToken, passkey } });
    const session = await sessionOf(done, 200);
    expect(session.user.id).toBe(reg.user.id);
    await expectError(
      await call('/api/auth/login/second-factor', { json: { challengeToken: step.challengeToken, passkey } }),
      400,
      'challenge_replayed',
    );
  });

  it('with TOTP and a passkey, either answers; another user’s passkey, a sign-in challenge and a bad token are refused', async () => {
    const reg = await register('pk-2fa-both');
    await enrol(reg);
    await addPasskey(reg);
    const other = await register('pk-2fa-other');
    const theirs = (await addPasskey(other)).auth;
    const first = await login(reg.email, reg.password);
    const step = (await first.json()) as { secondFactors: string[]; challengeToken: string };
    expect(step.secondFactors).toEqual(['totp', 'passkey']);

    const options = async () =>
      (
        (await (await call('/api/auth/login/second-factor/passkey-options', { json: { challengeToken: step.challengeToken } })).json()) as {
          options: { challenge: string };
        }
      ).options;
    const answer = (passkey: unknown) => call('/api/auth/login/second-factor', { json: { challengeToken: step.challengeToken, passkey } });
    await expectError(await answer(await theirs.assert(await options())), 401, 'unauthorized');
    await expectError(await answer(await theirs.assert(await signInOptions())), 400, 'challenge_expired');
    await expectError(
      await call('/api/auth/login/second-factor/passkey-options', { json: { challengeToken: 'not.a.token' } }),
      401,
      'unauthorized',
    );
    // code and passkey together: one factor at a time.
    await expectError(
      await call('/api/auth/login/second-factor', { json: { challengeToken: step.challengeToken, code: '123456', passkey: {} } }),
      400,
      'validation_failed',
    );
    // Their passkey still works for them: nothing of theirs changed.
    await sessionOf(await signIn(await theirs.assert(await signInOptions())), 200);
  });

  it('an account without passkeys gets 409 for passkey options', async () => {
    const reg = await register('pk-2fa-none');
    await enrol(reg);
    const step = (await (await login(reg.email, reg.password)).json()) as { secondFactors: string[]; challengeToken: string };
    expect(step.secondFactors).toEqual(['totp']);
    await expectError(
      await call('/api/auth/login/second-factor/passkey-options', { json: { challengeToken: step.challengeToken } }),
      409,
      'conflict',
    );
  });
});

describe('removal', () => {
  it('needs the password; another user’s passkey is 404; removing the last one turns the second step off', async () => {
    const reg = await register('pk-del');
    const other = await register('pk-del-other');
    const { id } = await addPasskey(reg);
    const theirs = await addPasskey(other);
    await expectError(
      await call(`/api/auth/passkeys/${id}`, { method: 'DELETE', token: reg.accessToken, json: { password: 'wrong password!' } }),
      403,
      'forbidden',
    );
    await expectError(await call(`/api/auth/passkeys/${id}`, { method: 'DELETE', token: reg.accessToken }), 400, 'bad_request');
    await expectError(
      await call(`/api/auth/passkeys/${theirs.id}`, { method: 'DELETE', token: reg.accessToken, json: { password: reg.password } }),
      404,
      'not_found',
    );
    await expectError(
      await call(`/api/auth/passkeys/${theirs.id}`, { method: 'PATCH', token: reg.accessToken, json: { name: 'mine now' } }),
      404,
      'not_found',
    );
    expect(await rows(other.user.id)).toHaveLength(1);
    expect((await rows(other.user.id))[0]!.name).toBe('Laptop');
    expect(await rows(reg.user.id)).toHaveLength(1);
    expect((await login(reg.email, reg.password)).status).toBe(202);

    const ok = await call(`/api/auth/passkeys/${id}`, { method: 'DELETE', token: reg.accessToken, json: { password: reg.password } });
    expect(ok.status).toBe(204);
    expect(await rows(reg.user.id)).toEqual([]);
    expect((await login(reg.email, reg.password)).status).toBe(200);
  });
});
