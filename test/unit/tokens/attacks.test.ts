/**
 * RFC 8725 attack matrix, run against every verifier. Each case must be
 * refused with a TokenError carrying the right code, never another exception.
 */
import { base64url, exportJWK, jwtVerify, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TokenError } from '../../../shared/tokens/errors.ts';
import { KeySet } from '../../../shared/tokens/keys.ts';
import { AUDIENCE, enc, type Fixtures, ISSUER, makeFixtures, NOW, NOW_S, parts, rejectsWith, signRaw } from './fixtures.ts';
import { kinds } from './kinds.ts';

let f: Fixtures;
beforeAll(async () => {
  f = await makeFixtures();
});
afterEach(() => vi.restoreAllMocks());

const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe.each(kinds)('$name token', (kind) => {
  let token: string;
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  beforeAll(async () => {
    token = await kind.sign(f.keys);
    [header, payload] = parts(token);
  });

  it('accepts the genuine token with its typ and kid', async () => {
    await expect(kind.verify(f.keys, token)).resolves.toBeTruthy();
    expect(header).toEqual({ alg: 'EdDSA', kid: 'k1', typ: kind.typ });
  });

  it('refuses alg none (empty and non-empty signature)', async () => {
    const body = `${enc({ alg: 'none', kid: 'k1', typ: kind.typ })}.${enc(payload)}`;
    await rejectsWith(kind.verify(f.keys, `${body}.`), 'token_malformed');
    await rejectsWith(kind.verify(f.keys, `${body}.AAAA`), 'token_invalid_signature');
    const noneNoKid = `${enc({ alg: 'none', typ: kind.typ })}.${enc(payload)}.`;
    await rejectsWith(kind.verify(f.keys, noneNoKid), 'token_malformed');
  });

  it('refuses HS256 signed with the public key as the HMAC secret (alg confusion)', async () => {
    const pub = f.k1.publicJwk;
    const secrets = [
      base64url.decode(pub.x),
      new TextEncoder().encode(JSON.stringify(pub)),
      new Uint8Array(await crypto.subtle.exportKey('spki', f.k1.publicKey)),
    ];
    for (const secret of secrets) {
      const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: kind.typ }).sign(secret);
      await rejectsWith(kind.verify(f.keys, forged), 'token_invalid_signature');
    }
  });

  it('refuses a token signed by another key under the same kid', async () => {
    expect(f.evil.kid).toBe('k1');
    await rejectsWith(kind.verify(f.keys, await kind.sign(new KeySet(f.evil))), 'token_invalid_signature');
  });

  it('refuses the wrong issuer and the wrong audience', async () => {
    await rejectsWith(kind.verify(f.keys, await kind.sign(f.keys, { issuer: 'https://evil.test' })), 'token_wrong_issuer');
    await rejectsWith(kind.verify(f.keys, token, { issuer: 'https://other.test' }), 'token_wrong_issuer');
    await rejectsWith(kind.verify(f.keys, await kind.sign(f.keys, { audience: 'other' })), 'token_wrong_audience');
    await rejectsWith(kind.verify(f.keys, token, { audience: 'other' }), 'token_wrong_audience');
  });

  it('refuses a wrong or missing typ even when genuinely signed', async () => {
    for (const typ of ['JWT', 'jwt', 'at+jwt+x', `${kind.typ.toUpperCase()}X`, 42]) {
      await rejectsWith(kind.verify(f.keys, await signRaw(f.k1, { ...header, typ }, payload)), 'token_wrong_type');
    }
    const { typ: _typ, ...noTyp } = header;
    await rejectsWith(kind.verify(f.keys, await signRaw(f.k1, noTyp, payload)), 'token_wrong_type');
  });

  it('accepts typ in media-type form (RFC 9068: application/at+jwt)', async () => {
    const t = await signRaw(f.k1, { ...header, typ: `application/${kind.typ}` }, payload);
    await expect(kind.verify(f.keys, t)).resolves.toBeTruthy();
  });

  it('refuses an expired token, allowing the clock skew', async () => {
    await expect(kind.verify(f.keys, token, { now: at(kind.ttl + 29) })).resolves.toBeTruthy();
    await rejectsWith(kind.verify(f.keys, token, { now: at(kind.ttl + 30) }), 'token_expired');
    await rejectsWith(kind.verify(f.keys, token, { now: at(kind.ttl), clockSkewSeconds: 0 }), 'token_expired');
  });

  it('refuses a token from the future beyond the skew, accepts it within', async () => {
    await expect(kind.verify(f.keys, await kind.sign(f.keys, { now: at(30) }))).resolves.toBeTruthy();
    await rejectsWith(kind.verify(f.keys, await kind.sign(f.keys, { now: at(31) })), 'token_not_yet_valid');
    const withNbf = (ahead: number) => signRaw(f.k1, header, { ...payload, nbf: NOW_S + ahead });
    await rejectsWith(kind.verify(f.keys, await withNbf(31)), 'token_not_yet_valid');
    // Only access tokens carry nbf; for the others the strict schema refuses it once the time check passes.
    if (kind.name === 'session') await expect(kind.verify(f.keys, await withNbf(30))).resolves.toBeTruthy();
    else await rejectsWith(kind.verify(f.keys, await withNbf(30)), 'token_malformed');
  });

  it('refuses a tampered payload or header that keeps the old signature', async () => {
    const [h, , s] = token.split('.');
    const p = { ...payload };
    kind.tamper(p);
    await rejectsWith(kind.verify(f.keys, `${h}.${enc(p)}.${s}`), 'token_invalid_signature');
    await rejectsWith(kind.verify(f.keys, `${h}.${enc({ ...payload, exp: NOW_S + 999_999 })}.${s}`), 'token_invalid_signature');
    await rejectsWith(kind.verify(f.keys, `${enc({ ...header, x: 1 })}.${token.split('.')[1]}.${s}`), 'token_invalid_signature');
    const other = await kind.sign(f.keys, { now: at(1) });
    await rejectsWith(kind.verify(f.keys, `${h}.${other.split('.')[1]}.${s}`), 'token_invalid_signature');
  });

  it.each(['nope', '../../etc/passwd', "' OR 1=1 --", '__proto__', 'constructor', 'toString', '', 'k1 ', 'K1'])(
    'refuses kid %j as unknown',
    async (kid) => {
      await rejectsWith(kind.verify(f.keys, await signRaw(f.k1, { ...header, kid }, payload)), 'token_unknown_key');
    },
  );

  it('refuses a missing or non-string kid as unknown', async () => {
    const { kid: _kid, ...noKid } = header;
    await rejectsWith(kind.verify(f.keys, await signRaw(f.k1, noKid, payload)), 'token_unknown_key');
    await rejectsWith(kind.verify(f.keys, await signRaw(f.k1, { ...header, kid: ['k1'] }, payload)), 'token_unknown_key');
  });

  it('ignores jwk, jku and x5u headers: an attacker key is never used or fetched', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const jwk = { ...(await exportJWK(f.evil.publicKey)) };
    const embedded = { jwk, jku: 'https://evil.test/jwks.json', x5u: 'https://evil.test/cert.pem' };
    await rejectsWith(kind.verify(f.keys, await signRaw(f.evil, { ...header, ...embedded }, payload)), 'token_invalid_signature');
    const ownKid = { ...header, ...embedded, kid: 'evil' };
    await rejectsWith(kind.verify(f.keys, await signRaw(f.evil, ownKid, payload)), 'token_unknown_key');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('refuses claims of the wrong type or unexpected claims', async () => {
    const cases: Record<string, unknown>[] = [
      { ...payload, exp: String(payload.exp) },
      { ...payload, iat: String(payload.iat) },
      { ...payload, iat: 1.5 },
      { ...payload, aud: [AUDIENCE] },
      { ...payload, iss: [ISSUER] },
      { ...payload, admin: true },
      { ...payload, exp: undefined },
      { ...payload, iat: undefined },
    ];
    for (const p of cases) {
      const code = (await kind.verify(f.keys, await signRaw(f.k1, header, p)).then(
        () => 'accepted',
        (e: unknown) => (e instanceof TokenError ? e.code : 'other'),
      )) as string;
      expect(['token_malformed', 'token_wrong_issuer', 'token_wrong_audience'], JSON.stringify(p)).toContain(code);
    }
  });

  it('refuses non-canonical base64url, junk and oversized input as malformed', async () => {
    const [h, p, s] = token.split('.') as [string, string, string];
    // An Ed25519 signature is 86 chars: the last carries 2 bits and 4 unused ones, so
    // the next letter of the alphabet spells the same bytes. jose alone accepts it.
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const alias = `${h}.${p}.${s.slice(0, -1)}${abc[abc.indexOf(s.at(-1) as string) + 1]}`;
    await expect(jwtVerify(alias, f.k1.publicKey, { currentDate: NOW })).resolves.toBeTruthy();
    await rejectsWith(kind.verify(f.keys, alias), 'token_malformed');
    for (const junk of [
      `${token}=`,
      `${token}.x`,
      token.replaceAll('.', '..'),
      ` ${token}`,
      'a.b',
      '',
      'x'.repeat(10_000),
      undefined,
      null,
      42,
      { token },
    ]) {
      const err = await kind.verify(f.keys, junk).catch((e: unknown) => e);
      expect(err, String(junk).slice(0, 40)).toBeInstanceOf(TokenError);
    }
  });

  it('refuses a crit header it does not understand', async () => {
    const t = await signRaw(f.k1, { ...header, crit: ['zzz'], zzz: 1 }, payload);
    await rejectsWith(kind.verify(f.keys, t), 'token_malformed');
    const b64 = await signRaw(f.k1, { ...header, crit: ['b64'], b64: false }, payload);
    await rejectsWith(kind.verify(f.keys, b64), 'token_malformed');
  });
});

describe('token kinds never stand in for one another (same iss, aud and key)', () => {
  for (const a of kinds) {
    for (const b of kinds) {
      if (a === b) continue;
      it(`${a.name} token presented as ${b.name} token`, async () => {
        await rejectsWith(b.verify(f.keys, await a.sign(f.keys)), 'token_wrong_type');
      });
    }
  }
});
