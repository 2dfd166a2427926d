/**
 * Password hashing inside workerd: the runtime facts the KDF choice rests on
 * (measured here, recorded in docs/architecture.md "Auth"), the stored format,
 * verification, rehash detection and the constant-time compare.
 */
import { scrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  CURRENT_PARAMS,
  dummyPasswordHash,
  hashPassword,
  parsePasswordHash,
  verifyPassword,
} from '../../edge/auth/password.ts';

const FORMAT = /^scrypt\$ln=14,r=8,p=5\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/;
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

async function pbkdf2(iterations: number): Promise<number> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']);
  const started = performance.now();
  await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations }, key, 256);
  return performance.now() - started;
}

describe('the runtime under the KDF choice', () => {
  it('runs node:crypto scrypt natively and matches the RFC 7914 test vector', async () => {
    const out = await new Promise<Uint8Array>((resolve, reject) =>
      scrypt('password', 'NaCl', 64, { N: 1024, r: 8, p: 16 }, (err, key) => (err ? reject(err) : resolve(key))),
    );
    expect(hex(out)).toBe(
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    );
  });

  it('local workerd does not enforce the production PBKDF2 cap of 100,000 iterations', async () => {
    // Cloudflare's runtime refuses > 100,000 ("iteration counts above 100000 are
    // not supported"); the open-source workerd lifts the cap, so this passes
    // locally. That is why the hash is not PBKDF2 at 600,000: it would pass
    // every local test and fail in production.
    const at100k = await pbkdf2(100_000);
    const at600k = pbkdf2(600_000);
    await expect(at600k).resolves.toBeTypeOf('number');
    console.log(`PBKDF2-SHA256 in workerd: 100k ${at100k.toFixed(0)} ms, 600k ${(await at600k).toFixed(0)} ms`);
  });

  it('measures one password hash with the current parameters', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      expect(await hashPassword('measure me, please')).toMatch(FORMAT);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(
      `scrypt ln=${CURRENT_PARAMS.ln} r=${CURRENT_PARAMS.r} p=${CURRENT_PARAMS.p} in workerd: median ${times[2]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times[4]!.toFixed(0)})`,
    );
  });
});

describe('hashPassword / verifyPassword', () => {
  it('writes the self-describing format with a fresh salt each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password!'), hashPassword('same password!')]);
    expect(a).toMatch(FORMAT);
    expect(b).toMatch(FORMAT);
    expect(a).not.toBe(b);
    const parsed = parsePasswordHash(a);
    expect(parsed.params).toEqual({ ln: 14, r: 8, p: 5 });
    expect(parsed.salt.byteLength).toBe(16);
    expect(parsed.hash.byteLength).toBe(32);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', stored)).toEqual({ ok: true, needsRehash: false });
    expect((await verifyPassword('correct horse battery stapler', stored)).ok).toBe(false);
    expect((await verifyPassword('Correct horse battery staple', stored)).ok).toBe(false);
    expect((await verifyPassword('', stored)).ok).toBe(false);
  });

  it('normalises to NFKC, so composed and decomposed forms verify alike', async () => {
    const composed = 'caf\u00e9 au lait 2024';
    const decomposed = 'cafe\u0301 au lait 2024';
    expect(composed).not.toBe(decomposed);
    const stored = await hashPassword(composed);
    expect((await verifyPassword(decomposed, stored)).ok).toBe(true);
  });

  it('flags hashes with older parameters for rehashing, and still verifies them', async () => {
    const old = await hashPassword('an older password', { ln: 10, r: 8, p: 1 });
    expect(old.startsWith('scrypt$ln=10,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('an older password', old)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('not it at all', old)).toEqual({ ok: false, needsRehash: true });
  });

  it('refuses malformed stored hashes and parameters beyond the runtime cap before deriving', async () => {
    const good = await hashPassword('whatever it is');
    const [, , salt, hash] = good.split('$');
    for (const bad of [
      '',
      'pbkdf2-sha256$100000$abc$def',
      `scrypt$ln=14,r=8$${salt}$${hash}`,
      `scrypt$ln=14,r=8,p=5$${salt}$${hash}x`,
      `scrypt$ln=14,r=8,p=5$${salt!.slice(1)}$${hash}`,
      `scrypt$ln=20,r=8,p=1$${salt}$${hash}`, // N*r*p = 2^23 > 2^20
      `scrypt$ln=14,r=8,p=9$${salt}$${hash}`, // 2^14*8*9 > 2^20
      `scrypt$ln=4,r=8,p=1$${salt}$${hash}`, // too weak to be ours
    ]) {
      await expect(verifyPassword('whatever it is', bad), bad).rejects.toBeInstanceOf(TypeError);
    }
    await expect(hashPassword('x', { ln: 20, r: 8, p: 8 })).rejects.toBeInstanceOf(TypeError);
  });

  it('has a dummy hash with the current parameters that no password matches', async () => {
    expect(dummyPasswordHash()).toMatch(FORMAT);
    expect(await verifyPassword('', dummyPasswordHash())).toEqual({ ok: false, needsRehash: false });
    expect((await verifyPassword('correct horse battery staple', dummyPasswordHash())).ok).toBe(false);
  });
});

describe('constantTimeEqual', () => {
  const bytes = (...b: number[]) => new Uint8Array(b);
  it('is true only for equal bytes of equal length', () => {
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(true);
    expect(constantTimeEqual(bytes(), bytes())).toBe(true);
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 4))).toBe(false);
    expect(constantTimeEqual(bytes(0, 2, 3), bytes(1, 2, 3))).toBe(false);
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2))).toBe(false);
    expect(constantTimeEqual(bytes(1, 2), bytes(1, 2, 3))).toBe(false);
  });
});
