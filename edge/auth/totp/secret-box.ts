/**
 * TOTP secrets at rest. The server must be able to read the key back (a
 * TOTP check recomputes the code), so it cannot be hashed; it is sealed with
 * AES-256-GCM instead: `v1.<iv>.<ciphertext+tag>` (base64url), a fresh 96-bit
 * IV per seal, and the user id as additional data, so a sealed value copied
 * to another user's row does not open. A database dump or a read-only SQL
 * injection yields no usable TOTP secret without the Worker secret.
 *
 * The key is MFA_ENCRYPTION_KEY (a Worker secret, required in production).
 * Local and test runs without it derive one with HKDF-SHA-256 from the
 * active signing key's private part, so `npm run dev` needs no new secret;
 * rotating that key then orphans local enrolments (re-enrol).
 */
import { base64url } from 'jose';
import type { EdgeConfig } from '../../../shared/config.ts';
import { AppError } from '../../errors.ts';

const keys = new WeakMap<EdgeConfig, Promise<CryptoKey>>();
const VERSION = 'v1';
/** A copy backed by a plain ArrayBuffer (what WebCrypto's types ask). */
const bytes = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

async function deriveLocalKey(config: EdgeConfig): Promise<CryptoKey> {
  const { active, keys: jwks } = config.AUTH_SIGNING_KEYS;
  const d = jwks.find((k) => k.kid === active)?.d;
  if (typeof d !== 'string') throw new Error('the active signing key has no private part');
  const ikm = await crypto.subtle.importKey('raw', bytes(base64url.decode(d)), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: new TextEncoder().encode('media-platform totp secret box v1') },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

function boxKey(config: EdgeConfig): Promise<CryptoKey> {
  let key = keys.get(config);
  if (!key) {
    if (config.MFA_ENCRYPTION_KEY) {
      key = crypto.subtle.importKey('raw', bytes(base64url.decode(config.MFA_ENCRYPTION_KEY)), 'AES-GCM', false, ['encrypt', 'decrypt']);
    } else if (config.APP_ENV === 'production') {
      console.error(JSON.stringify({ level: 'error', msg: 'MFA_ENCRYPTION_KEY is not set' }));
      return Promise.reject(new AppError('misconfigured', 'The service is misconfigured.'));
    } else {
      key = deriveLocalKey(config);
    }
    keys.set(config, key);
  }
  return key;
}

/** Seals a TOTP key for `userId`. */
export async function sealSecret(config: EdgeConfig, userId: string, secret: Uint8Array): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(userId) },
    await boxKey(config),
    bytes(secret),
  );
  return `${VERSION}.${base64url.encode(iv)}.${base64url.encode(new Uint8Array(sealed))}`;
}

/** Opens a sealed TOTP key of `userId`. @throws Error when it was not sealed for this user with this key. */
export async function openSecret(config: EdgeConfig, userId: string, sealed: string): Promise<Uint8Array> {
  const [version, iv, body] = sealed.split('.');
  if (version !== VERSION || !iv || !body) throw new Error('unknown sealed secret format');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: bytes(base64url.decode(iv)), additionalData: new TextEncoder().encode(userId) },
    await boxKey(config),
    bytes(base64url.decode(body)),
  );
  return new Uint8Array(plain);
}
