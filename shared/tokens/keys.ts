/**
 * Signing keys for every token kind, with rotation by `kid`.
 *
 * Ed25519 (JOSE alg `EdDSA`) by default: small signatures (64 bytes) keep URL
 * tokens short, signing is deterministic, and WebCrypto supports it in both
 * workerd and Node >= 20. ES256 is accepted for platforms without Ed25519.
 *
 * Rotation: (1) add the next key as verify-only and deploy, so it is published
 * in the JWKS before anything is signed with it; (2) make it active and move the
 * old key to verify-only; (3) once the longest-lived token signed by the old key
 * has expired, drop it. Verifiers look keys up in this set only, by `kid`.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/** Signature algorithms a key set may hold. */
export type SigningAlg = 'EdDSA' | 'ES256';

/** A public key tokens are verified with. */
export interface VerifyKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly publicKey: CryptoKey;
  /** Public members only, plus kid, alg and `use: 'sig'`. */
  readonly publicJwk: PublicJwk;
}

/** The key new tokens are signed with (its public half verifies them too). */
export interface SigningKey extends VerifyKey {
  readonly privateKey: CryptoKey;
}

/** A published verification key, as served at `/.well-known/jwks.json`. */
export interface PublicJwk {
  kty: 'OKP' | 'EC';
  crv: string;
  x: string;
  y?: string;
  kid: string;
  alg: SigningAlg;
  use: 'sig';
}

const KID = /^[A-Za-z0-9._-]{1,64}$/;
const ALGS = { EdDSA: { kty: 'OKP', crv: 'Ed25519' }, ES256: { kty: 'EC', crv: 'P-256' } } as const;

const isSigningAlg = (alg: unknown): alg is SigningAlg => alg === 'EdDSA' || alg === 'ES256';

function checkJwk(jwk: JWK): { kid: string; alg: SigningAlg } {
  const { kid, alg } = jwk;
  if (!isSigningAlg(alg)) throw new TypeError(`signing key: unsupported alg ${JSON.stringify(alg)}`);
  if (typeof kid !== 'string' || !KID.test(kid)) throw new TypeError(`signing key: kid must match ${KID}`);
  if (jwk.kty !== ALGS[alg].kty || jwk.crv !== ALGS[alg].crv) {
    throw new TypeError(`signing key ${kid}: alg ${alg} needs kty ${ALGS[alg].kty} crv ${ALGS[alg].crv}`);
  }
  if (typeof jwk.x !== 'string' || (alg === 'ES256' && typeof jwk.y !== 'string')) {
    throw new TypeError(`signing key ${kid}: missing public coordinates`);
  }
  return { kid, alg };
}

/** Copies only the public members: an allowlist, so no private field can leak. */
function publicPart(jwk: JWK, kid: string, alg: SigningAlg): PublicJwk {
  const out: PublicJwk = { kty: ALGS[alg].kty, crv: ALGS[alg].crv, x: jwk.x as string, kid, alg, use: 'sig' };
  if (alg === 'ES256') out.y = jwk.y as string;
  return out;
}

/**
 * Imports a verify-only key from a JWK. Private members, if present, are
 * ignored: only the public half is imported.
 */
export async function importVerifyKey(jwk: JWK): Promise<VerifyKey> {
  const { kid, alg } = checkJwk(jwk);
  const publicJwk = publicPart(jwk, kid, alg);
  const publicKey = await importJWK({ ...publicJwk }, alg, { extractable: true }).catch((cause: unknown) => {
    throw new TypeError(`verify key ${kid}: not a valid public JWK`, { cause });
  });
  return { kid, alg, publicKey: publicKey as CryptoKey, publicJwk };
}

/**
 * Imports a private JWK (with `kid` and `alg`) as a signing key. The private
 * half is imported non-extractable; a test signature checks that the private
 * and public members belong together, so a mismatched secret fails at start.
 */
export async function importSigningKey(jwk: JWK): Promise<SigningKey> {
  const verify = await importVerifyKey(jwk);
  if (typeof jwk.d !== 'string') throw new TypeError(`signing key ${verify.kid}: missing private member d`);
  const privateKey = (await importJWK({ ...jwk }, verify.alg, { extractable: false }).catch((cause: unknown) => {
    throw new TypeError(`signing key ${verify.kid}: not a valid private JWK`, { cause });
  })) as CryptoKey;
  const algo = verify.alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
  const probe = new TextEncoder().encode('key-pair-check');
  const sig = await crypto.subtle.sign(algo, privateKey, probe);
  if (!(await crypto.subtle.verify(algo, verify.publicKey, sig, probe))) {
    throw new TypeError(`signing key ${verify.kid}: private and public members do not match`);
  }
  return { ...verify, privateKey };
}

/**
 * Generates a fresh private JWK (for development and tests; production keys
 * come from configuration). The default kid is a 16-character prefix of the
 * RFC 7638 thumbprint, short because tokens travel in URLs.
 */
export async function generateSigningKey(options: { alg?: SigningAlg; kid?: string } = {}): Promise<JWK> {
  const alg = options.alg ?? 'EdDSA';
  const { privateKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : 'ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = options.kid ?? (await calculateJwkThumbprint(jwk)).slice(0, 16);
  return { ...jwk, kid, alg, use: 'sig' };
}

/**
 * One active signing key and any number of verify-only keys. During a
 * rotation two (or more) keys verify at once; only the active one signs.
 */
export class KeySet {
  readonly #byKid = new Map<string, VerifyKey>();

  constructor(
    readonly active: SigningKey,
    verifyOnly: readonly VerifyKey[] = [],
  ) {
    for (const key of [active, ...verifyOnly]) {
      if (this.#byKid.has(key.kid)) throw new TypeError(`key set: duplicate kid ${key.kid}`);
      this.#byKid.set(key.kid, key);
    }
  }

  /** Builds a key set from JWKs, e.g. parsed from configuration. */
  static async fromJwks(active: JWK, verifyOnly: readonly JWK[] = []): Promise<KeySet> {
    return new KeySet(await importSigningKey(active), await Promise.all(verifyOnly.map(importVerifyKey)));
  }

  /** The key with this kid, or undefined. A Map, so `__proto__` and friends are just misses. */
  find(kid: string): VerifyKey | undefined {
    return this.#byKid.get(kid);
  }

  /** The JWKS document for `/.well-known/jwks.json`: public members only. */
  publicJwks(): { keys: PublicJwk[] } {
    return { keys: [...this.#byKid.values()].map((k) => ({ ...k.publicJwk })) };
  }
}
