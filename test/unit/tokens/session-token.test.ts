import { beforeAll, describe, expect, it } from 'vitest';
import { tokenErrorStatus } from '../../../shared/tokens/errors.ts';
import { signAccessToken, verifyAccessToken } from '../../../shared/tokens/session-token.ts';
import { AUDIENCE, type Fixtures, ISSUER, makeFixtures, NOW, NOW_S, parts, rejectsWith, signRaw } from './fixtures.ts';

let f: Fixtures;
beforeAll(async () => {
  f = await makeFixtures();
});

const party = { issuer: ISSUER, audience: AUDIENCE };

describe('access tokens', () => {
  it('carries iss, aud, sub, exp (15 min), iat, nbf and a random jti', async () => {
    const { token, claims } = await signAccessToken(f.keys, { sub: 'user-1', sid: 'sess-1', ...party, now: NOW });
    const [header, payload] = parts(token);
    expect(header).toEqual({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' });
    expect(payload).toEqual(claims);
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', sid: 'sess-1', iat: NOW_S, nbf: NOW_S });
    expect(claims.exp).toBe(NOW_S + 900);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    const again = await signAccessToken(f.keys, { sub: 'user-1', ...party, now: NOW });
    expect(again.claims.jti).not.toBe(claims.jti);
    await expect(verifyAccessToken(f.keys, token, { ...party, now: NOW })).resolves.toEqual(claims);
  });

  it('honours ttlSeconds within 1 s to 1 h and refuses bad input', async () => {
    const { claims } = await signAccessToken(f.keys, { sub: 'u', ...party, now: NOW, ttlSeconds: 60 });
    expect(claims.exp - claims.iat).toBe(60);
    for (const ttlSeconds of [0, -1, 3601, 1.5, Number.NaN]) {
      await expect(signAccessToken(f.keys, { sub: 'u', ...party, now: NOW, ttlSeconds })).rejects.toThrow(TypeError);
    }
    await expect(signAccessToken(f.keys, { sub: '', ...party, now: NOW })).rejects.toThrow(TypeError);
    await expect(signAccessToken(f.keys, { sub: 'u', issuer: '', audience: AUDIENCE, now: NOW })).rejects.toThrow(TypeError);
  });

  it('refuses a genuinely signed token with a lifetime we never issue', async () => {
    const { token } = await signAccessToken(f.keys, { sub: 'u', ...party, now: NOW });
    const [header, payload] = parts(token);
    const long = await signRaw(f.k1, header, { ...payload, exp: NOW_S + 86_400 });
    await rejectsWith(verifyAccessToken(f.keys, long, { ...party, now: NOW }), 'token_malformed');
  });

  it('refuses a bad clock option loudly (a TypeError, not a token error)', async () => {
    const { token } = await signAccessToken(f.keys, { sub: 'u', ...party, now: NOW });
    await expect(verifyAccessToken(f.keys, token, { ...party, now: NOW, clockSkewSeconds: -1 })).rejects.toThrow(TypeError);
  });

  it('maps every code to 401 except scope mismatch (403)', () => {
    expect(Object.entries(tokenErrorStatus).filter(([, s]) => s === 403)).toEqual([['token_scope_mismatch', 403]]);
  });
});
