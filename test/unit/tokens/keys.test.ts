import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, importSigningKey, importVerifyKey, KeySet } from '../../../shared/tokens/keys.ts';
import { signAccessToken, verifyAccessToken } from '../../../shared/tokens/session-token.ts';
import { AUDIENCE, type Fixtures, ISSUER, makeFixtures, NOW, parts, rejectsWith, rotated } from './fixtures.ts';

let f: Fixtures;
beforeAll(async () => {
  f = await makeFixtures();
});

const party = { issuer: ISSUER, audience: AUDIENCE };
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth', 'priv'];

describe('key generation and import', () => {
  it('generates Ed25519 (EdDSA) by default with a short thumbprint kid', async () => {
    const jwk = await generateSigningKey();
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwk.kid).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(typeof jwk.d).toBe('string');
  });

  it('supports ES256 as the fallback algorithm', async () => {
    const keys = await KeySet.fromJwks(await generateSigningKey({ alg: 'ES256', kid: 'ec' }));
    const { token } = await signAccessToken(keys, { sub: 'u', ...party, now: NOW });
    expect(parts(token)[0]).toEqual({ alg: 'ES256', kid: 'ec', typ: 'at+jwt' });
    await expect(verifyAccessToken(keys, token, { ...party, now: NOW })).resolves.toMatchObject({ sub: 'u' });
  });

  it('imports the private half non-extractable', () => {
    expect(f.k1.privateKey.extractable).toBe(false);
    expect(f.k1.privateKey.type).toBe('private');
    expect(f.k1.publicKey.type).toBe('public');
  });

  it('refuses a private JWK whose public member belongs to another key', async () => {
    // Node's WebCrypto already refuses this at import; the probe signature covers runtimes that do not.
    await expect(importSigningKey({ ...f.jwk.k1, x: f.jwk.k2.x as string })).rejects.toThrow(/^signing key k1: /);
  });

  it.each([
    ['no kid', { kid: undefined }],
    ['a kid with a slash', { kid: 'a/b' }],
    ['alg HS256', { alg: 'HS256' }],
    ['alg none', { alg: 'none' }],
    ['alg ES256 on an OKP key', { alg: 'ES256' }],
    ['no x', { x: undefined }],
  ])('refuses a JWK with %s', async (_, patch) => {
    await expect(importSigningKey({ ...f.jwk.k1, ...patch })).rejects.toThrow(TypeError);
  });

  it('refuses a signing JWK without d, and a key set with duplicate kids', async () => {
    const { d: _d, ...pub } = f.jwk.k1;
    await expect(importSigningKey(pub)).rejects.toThrow(/missing private member/);
    expect(() => new KeySet(f.k1, [f.evil])).toThrow(/duplicate kid k1/);
  });
});

describe('JWKS', () => {
  it('publishes public members only, with kid, alg and use', async () => {
    const keys = await rotated(f.k2, f.jwk.k1); // k1's private JWK given as verify-only: d must be dropped
    const jwks = keys.publicJwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual(['k2', 'k1']);
    for (const k of jwks.keys) {
      expect(Object.keys(k).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      expect(k).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      for (const m of PRIVATE_MEMBERS) expect(k).not.toHaveProperty(m);
    }
    const text = JSON.stringify(jwks);
    expect(text).not.toContain(f.jwk.k1.d);
    expect(text).not.toContain(f.jwk.k2.d);
    expect(text).not.toContain('"d"');
  });

  it('publishes x and y for ES256 keys', async () => {
    const keys = await KeySet.fromJwks(await generateSigningKey({ alg: 'ES256', kid: 'ec' }));
    expect(Object.keys(keys.publicJwks().keys[0] ?? {}).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });

  it('hands out copies: mutating the output does not change the set', async () => {
    f.keys.publicJwks().keys[0]!.kid = 'hacked';
    expect(f.keys.publicJwks().keys[0]?.kid).toBe('k1');
  });

  it('round-trips through importVerifyKey', async () => {
    const [jwk] = f.keys.publicJwks().keys;
    const key = await importVerifyKey(jwk!);
    expect(key.publicJwk).toEqual(jwk);
  });
});

describe('rotation by kid', () => {
  it('verifies old and new tokens during rotation, then drops the old key', async () => {
    const before = f.keys; // k1 active
    const old = (await signAccessToken(before, { sub: 'u', ...party, now: NOW })).token;

    const during = await rotated(f.k2, f.jwk.k1); // k2 active, k1 verify-only
    const fresh = (await signAccessToken(during, { sub: 'u', ...party, now: NOW })).token;
    expect(parts(fresh)[0].kid).toBe('k2');
    await expect(verifyAccessToken(during, old, { ...party, now: NOW })).resolves.toMatchObject({ sub: 'u' });
    await expect(verifyAccessToken(during, fresh, { ...party, now: NOW })).resolves.toMatchObject({ sub: 'u' });

    const after = new KeySet(f.k2);
    await rejectsWith(verifyAccessToken(after, old, { ...party, now: NOW }), 'token_unknown_key');
    await expect(verifyAccessToken(after, fresh, { ...party, now: NOW })).resolves.toMatchObject({ sub: 'u' });
  });

  it('publishes the next key before it signs anything', async () => {
    const staged = await rotated(f.k1, f.jwk.k2);
    expect(staged.publicJwks().keys.map((k) => k.kid)).toEqual(['k1', 'k2']);
    const { token } = await signAccessToken(staged, { sub: 'u', ...party, now: NOW });
    expect(parts(token)[0].kid).toBe('k1');
  });
});
