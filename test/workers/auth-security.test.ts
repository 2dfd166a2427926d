/**
 * Attacks on sessions, through the HTTP API: the RFC 8725 matrix against
 * GET /api/me (every forged or misused token is the same generic 401), key
 * rotation, refresh-token replay (revokes the family), disabled accounts,
 * and cross-origin (CSRF) requests to the cookie routes.
 */
import { eq, sql } from 'drizzle-orm';
import { SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Base64Url } from '../../shared/crypto/sha256.ts';
import { auditLog, refreshTokens, users } from '../../shared/db/schema.ts';
import { generateSigningKey, KeySet, signAccessToken, signMediaToken, signShareToken } from '../../shared/tokens/index.ts';
import { call, decodeJwt, errorOf, login, PASSWORD, refreshCookie, register, sessionOf, type Registered } from './support/auth.ts';
import { config, keys, party, withDb } from './support/fixtures.ts';

const b64url = (data: string | Uint8Array) => {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
};
const now = () => Math.floor(Date.now() / 1000);

let victim: Registered;
let claims: JWTPayload & { sid: string };

/** Valid access-token claims for the victim, to be bent one way per attack. */
const goodClaims = (): JWTPayload => ({
  iss: party.issuer,
  aud: party.audience,
  sub: victim.user.id,
  sid: claims.sid,
  iat: now(),
  nbf: now(),
  exp: now() + 600,
  jti: crypto.randomUUID(),
});

/** Signs with the edge's real active key, with any header and claims. */
async function signReal(payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const ks = await keys();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: ks.active.alg, kid: ks.active.kid, typ: 'at+jwt', ...header })
    .sign(ks.active.privateKey);
}

async function expectGeneric401(token: string, label: string) {
  const res = await call('/api/me', { token });
  expect(res.status, label).toBe(401);
  expect(res.headers.get('www-authenticate'), label).toBe('Bearer realm="media-platform", error="invalid_token"');
  const error = await errorOf(res);
  expect({ code: error.code, message: error.message }, label).toEqual({ code: 'unauthorized', message: 'Authentication required.' });
  expect(JSON.stringify(error), label).not.toMatch(/token_|signature|expired|kid|issuer|audience/i);
}

beforeAll(async () => {
  victim = await register('victim');
  claims = decodeJwt(victim.accessToken).payload as JWTPayload & { sid: string };
});

describe('RFC 8725 attack matrix at GET /api/me', () => {
  it('accepts the genuine token (the control for every case below)', async () => {
    expect((await call('/api/me', { token: victim.accessToken })).status).toBe(200);
    expect((await call('/api/me', { token: await signReal(goodClaims()) })).status).toBe(200);
  });

  it('refuses alg "none"', async () => {
    const header = b64url(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: config.AUTH_SIGNING_KEYS.active }));
    const body = b64url(JSON.stringify(goodClaims()));
    await expectGeneric401(`${header}.${body}.`, 'none, empty signature');
    await expectGeneric401(`${header}.${body}.${b64url('x')}`, 'none, junk signature');
  });

  it('refuses HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const ks = await keys();
    const publicJwk = ks.active.publicJwk;
    for (const secret of [JSON.stringify(publicJwk), publicJwk.x]) {
      const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
      ]);
      const signingInput = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: ks.active.kid }))}.${b64url(JSON.stringify(goodClaims()))}`;
      const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(signingInput)));
      await expectGeneric401(`${signingInput}.${b64url(sig)}`, 'HS256 with public key bytes');
    }
  });

  it('refuses a wrong issuer, audience or typ', async () => {
    await expectGeneric401(await signReal({ ...goodClaims(), iss: 'https://evil.example' }), 'iss');
    await expectGeneric401(await signReal({ ...goodClaims(), aud: 'another-service' }), 'aud');
    await expectGeneric401(await signReal(goodClaims(), { typ: 'JWT' }), 'typ JWT');
    await expectGeneric401(await signReal(goodClaims(), { typ: undefined }), 'no typ');
  });

  it('refuses an expired token and one not valid yet', async () => {
    await expectGeneric401(await signReal({ ...goodClaims(), iat: now() - 1200, nbf: now() - 1200, exp: now() - 300 }), 'expired');
    await expectGeneric401(await signReal({ ...goodClaims(), nbf: now() + 3600 }), 'nbf in the future');
    await expectGeneric401(await signReal({ ...goodClaims(), iat: now() + 3600, nbf: now(), exp: now() + 4000 }), 'iat in the future');
  });

  it('refuses a tampered payload and a tampered signature', async () => {
    const [h, , s] = victim.accessToken.split('.');
    const other = await register('other');
    await expectGeneric401(`${h}.${b64url(JSON.stringify({ ...claims, sub: other.user.id }))}.${s}`, 'payload');
    const sig = s!.startsWith('A') ? `B${s!.slice(1)}` : `A${s!.slice(1)}`;
    await expectGeneric401(`${h}.${victim.accessToken.split('.')[1]}.${sig}`, 'signature');
  });

  it('refuses a key the edge does not hold, whatever its kid says', async () => {
    for (const kid of [
      'unknown-kid',
      '../../../../etc/passwd',
      "x' OR '1'='1",
      'k1; drop table users;--',
      config.AUTH_SIGNING_KEYS.active,
    ]) {
      const attacker = await KeySet.fromJwks(await generateSigningKey({ kid: 'attacker' }));
      const token = await new SignJWT(goodClaims())
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
        .sign(attacker.active.privateKey);
      await expectGeneric401(token, `kid ${kid}`);
    }
    // The users table survived the kid with SQL in it.
    expect((await call('/api/me', { token: victim.accessToken })).status).toBe(200);
  });

  it('ignores jku, x5u and embedded jwk headers: only the key set decides', async () => {
    const attackerJwk = await generateSigningKey({ kid: 'attacker' });
    const attacker = await KeySet.fromJwks(attackerJwk);
    const attackerPublic = attacker.active.publicJwk;
    const headers = [
      { jku: 'https://evil.example/jwks.json' },
      { x5u: 'https://evil.example/cert.pem' },
      { jwk: attackerPublic },
      { jku: 'https://evil.example/jwks.json', jwk: attackerPublic, x5u: 'https://evil.example/cert.pem' },
    ];
    for (const extra of headers) {
      for (const kid of ['attacker', config.AUTH_SIGNING_KEYS.active]) {
        const token = await new SignJWT(goodClaims())
          .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid, ...extra })
          .sign(attacker.active.privateKey);
        await expectGeneric401(token, `${Object.keys(extra).join('+')} kid ${kid}`);
      }
    }
    // Signed by the edge's own key, such headers change nothing: nothing is fetched or trusted from them.
    expect((await call('/api/me', { token: await signReal(goodClaims(), { jku: 'https://evil.example/jwks.json' }) })).status).toBe(200);
  });

  it('refuses a share token and a media token used as a session token', async () => {
    const ks = await keys();
    const share = await signShareToken(ks, {
      ...party,
      linkId: crypto.randomUUID(),
      resource: { type: 'asset', id: crypto.randomUUID() },
      permission: 'manage',
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const media = await signMediaToken(ks, { ...party, assetId: crypto.randomUUID() });
    await expectGeneric401(share, 'share token');
    await expectGeneric401(media, 'media token');
  });

  it('refuses malformed Authorization headers', async () => {
    for (const authorization of [
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNz',
      `Token ${victim.accessToken}`,
      `Bearer ${victim.accessToken} extra`,
      'Bearer a.b',
    ]) {
      const res = await call('/api/me', { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect((await errorOf(res)).code).toBe('unauthorized');
    }
  });

  it('accepts a token signed by the verify-only ES256 key (rotation)', async () => {
    const es256 = config.AUTH_SIGNING_KEYS.keys.find((k) => k.alg === 'ES256')!;
    expect(es256.kid).not.toBe(config.AUTH_SIGNING_KEYS.active);
    const previous = await KeySet.fromJwks(es256 as Parameters<typeof KeySet.fromJwks>[0]);
    const { token } = await signAccessToken(previous, { ...party, sub: victim.user.id, sid: claims.sid });
    expect(decodeJwt(token).header).toMatchObject({ alg: 'ES256', kid: es256.kid });
    const res = await call('/api/me', { token });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { id: string } }).user.id).toBe(victim.user.id);
  });
});

describe('refresh token replay', () => {
  it('revokes the whole family when a rotated token is presented again', async () => {
    const reg = await register('replay');
    const second = await sessionOf(await call('/api/auth/refresh', { method: 'POST', refresh: reg.refresh }), 200);
    const third = await sessionOf(await call('/api/auth/refresh', { method: 'POST', refresh: second.refresh }), 200);

    // The thief replays the first token.
    const replay = await call('/api/auth/refresh', { method: 'POST', refresh: reg.refresh });
    expect(replay.status).toBe(401);
    expect(refreshCookie(replay)?.attributes).toContain('Max-Age=0');

    // Every token of the family is refused now, including the newest.
    for (const refresh of [third.refresh, second.refresh, reg.refresh]) {
      expect((await call('/api/auth/refresh', { method: 'POST', refresh })).status).toBe(401);
    }
    expect((await call('/api/me', { token: third.accessToken })).status).toBe(401);
    const sid = decodeJwt(reg.accessToken).payload.sid as string;
    const rows = await withDb((db) => db.select().from(refreshTokens).where(eq(refreshTokens.familyId, sid)));
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.revokedAt !== null)).toBe(true);
    const audits = await withDb((db) =>
      db.select().from(auditLog).where(sql`${auditLog.actorId} = ${reg.user.id} and ${auditLog.action} = 'auth.refresh_reuse'`),
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]!.detail).toEqual({ familyId: sid });

    // Another session of the same user is unaffected.
    const fresh = await sessionOf(await login(reg.email, PASSWORD), 200);
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: fresh.refresh })).status).toBe(200);
  });

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    const reg = await register('race');
    const results = await Promise.all([1, 2].map(() => call('/api/auth/refresh', { method: 'POST', refresh: reg.refresh })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });
});

describe('disabled accounts', () => {
  it('cannot log in (same 401 as a wrong password), refresh, or use /api/me', async () => {
    const reg = await register('disabled');
    await withDb((db) => db.update(users).set({ disabledAt: sql`now()` }).where(eq(users.id, reg.user.id)));
    const res = await login(reg.email, PASSWORD);
    expect(res.status).toBe(401);
    const wrong = await login(reg.email, 'not the password at all');
    expect({ ...(await errorOf(res)), requestId: '' }).toEqual({ ...(await errorOf(wrong)), requestId: '' });
    expect((await call('/api/auth/refresh', { method: 'POST', refresh: reg.refresh })).status).toBe(401);
    expect((await call('/api/me', { token: reg.accessToken })).status).toBe(401);
    const failures = await withDb((db) =>
      db.select().from(auditLog).where(sql`${auditLog.actorId} = ${reg.user.id} and ${auditLog.action} = 'auth.login_failed'`),
    );
    expect(failures.map((f) => f.detail.reason).sort()).toEqual(['disabled', 'wrong_password']);
    // The refused refresh was not mistaken for a replay.
    const reuse = await withDb((db) =>
      db.select().from(auditLog).where(sql`${auditLog.actorId} = ${reg.user.id} and ${auditLog.action} = 'auth.refresh_reuse'`),
    );
    expect(reuse).toHaveLength(0);
  });

  it('are refused at /api/me with a token for a user that does not exist', async () => {
    // Genuinely signed, so past the verifier: the database check ends it.
    const { token } = await signAccessToken(await keys(), { ...party, sub: crypto.randomUUID(), sid: claims.sid });
    const res = await call('/api/me', { token });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="media-platform", error="invalid_token"');
    expect(await errorOf(res)).toMatchObject({ code: 'session_ended', message: 'The session has ended. Sign in again.' });
    // Not naming a user and a session at all: refused by the verifier, like a forgery.
    const { token: notUuid } = await signAccessToken(await keys(), { ...party, sub: 'not-a-uuid', sid: claims.sid });
    await expectGeneric401(notUuid, 'non-uuid subject');
    const { token: noSid } = await signAccessToken(await keys(), { ...party, sub: victim.user.id });
    await expectGeneric401(noSid, 'no session id');
  });
});

describe('cross-origin requests to the cookie routes (CSRF)', () => {
  it('refuses refresh and logout from a foreign or null Origin, and leaves the session intact', async () => {
    const reg = await register('csrf');
    for (const origin of ['https://evil.example', 'null', 'https://edge.test.evil.example']) {
      for (const path of ['/api/auth/refresh', '/api/auth/logout']) {
        const res = await call(path, { method: 'POST', refresh: reg.refresh, headers: { origin } });
        expect(res.status, `${path} ${origin}`).toBe(403);
        expect((await errorOf(res)).code).toBe('forbidden');
        expect(refreshCookie(res)).toBeUndefined();
      }
    }
    const [row] = await withDb(async (db) =>
      db
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, await sha256Base64Url(reg.refresh))),
    );
    expect(row!.usedAt).toBeNull();
    expect(row!.revokedAt).toBeNull();
  });

  it('refuses a cross-origin login (login CSRF)', async () => {
    const reg = await register('login-csrf');
    const res = await call('/api/auth/login', {
      json: { email: reg.email, password: PASSWORD },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(refreshCookie(res)).toBeUndefined();
  });

  it('accepts the edge itself and the SPA origins from CORS_ORIGINS', async () => {
    expect(config.CORS_ORIGINS.length).toBeGreaterThan(0);
    let { refresh } = await register('csrf-ok');
    for (const origin of ['https://edge.test', ...config.CORS_ORIGINS]) {
      const s = await sessionOf(await call('/api/auth/refresh', { method: 'POST', refresh, headers: { origin } }), 200);
      refresh = s.refresh;
    }
  });
});
