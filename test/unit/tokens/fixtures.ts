/**
 * Shared fixtures for the token tests: a frozen clock, fixed ids, key sets
 * generated once per file (fixed kids, fresh key material; no private key is
 * committed), and helpers to hand-craft tokens the way an attacker would.
 */
import { base64url, type JWK } from 'jose';
import { expect } from 'vitest';
import { TokenError } from '../../../shared/tokens/errors.ts';
import { generateSigningKey, importSigningKey, importVerifyKey, KeySet, type SigningKey } from '../../../shared/tokens/keys.ts';

export const NOW = new Date('2026-07-01T12:00:00Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);
export const ISSUER = 'https://media.example.test';
/** One audience for every kind, so the tests show `typ` alone keeps kinds apart. */
export const AUDIENCE = 'media-platform';
export const ASSET = '0b7c6f1e-8d1a-4c7e-9a53-2f1f6f0f3b9a';
export const OTHER_ASSET = '7d3f1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
export const LINK = 'c2b0e5a4-1f3d-4b6a-9c8e-7d6f5e4a3b2c';

export interface Fixtures {
  /** Private JWKs, kids k1 (current), k2 (next), attacker key reusing kid k1. */
  jwk: { k1: JWK; k2: JWK; evil: JWK };
  k1: SigningKey;
  k2: SigningKey;
  evil: SigningKey;
  /** Active k1 only. */
  keys: KeySet;
}

export async function makeFixtures(): Promise<Fixtures> {
  const jwk = {
    k1: await generateSigningKey({ kid: 'k1' }),
    k2: await generateSigningKey({ kid: 'k2' }),
    evil: await generateSigningKey({ kid: 'k1' }),
  };
  const [k1, k2, evil] = await Promise.all([importSigningKey(jwk.k1), importSigningKey(jwk.k2), importSigningKey(jwk.evil)]);
  return { jwk, k1, k2, evil, keys: new KeySet(k1) };
}

/** A key set where `signer` is active and the rest verify only. */
export async function rotated(signer: SigningKey, ...verifyOnly: JWK[]): Promise<KeySet> {
  return new KeySet(signer, await Promise.all(verifyOnly.map(importVerifyKey)));
}

export const enc = (value: unknown): string => base64url.encode(JSON.stringify(value));
export const dec = (segment: string): Record<string, unknown> =>
  JSON.parse(new TextDecoder().decode(base64url.decode(segment))) as Record<string, unknown>;

export function parts(token: string): [Record<string, unknown>, Record<string, unknown>, string] {
  const [h, p, s] = token.split('.') as [string, string, string];
  return [dec(h), dec(p), s];
}

/**
 * Signs an arbitrary header and payload with an Ed25519 key straight through
 * WebCrypto, so nothing checks or adds to the header (attacker's view).
 */
export async function signRaw(
  key: { privateKey: CryptoKey },
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const input = `${enc(header)}.${enc(payload)}`;
  const sig = await crypto.subtle.sign({ name: 'Ed25519' }, key.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(sig))}`;
}

/** Awaits a rejection and checks it is a TokenError with this code. */
export async function rejectsWith(pending: Promise<unknown>, code: string): Promise<void> {
  const err = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected TokenError ${code}`).toBeInstanceOf(TokenError);
  expect((err as TokenError).code).toBe(code);
}
