/**
 * API key format: `mpk_<prefix>_<secret>`: a 10-character public prefix
 * (lower-case base32-like, 50 bits, unique: it finds the row and lets a
 * person tell keys apart) and a 256-bit secret (base64url). The database
 * keeps the prefix and the SHA-256 of the whole key (the key has 256 bits
 * of entropy, so a fast hash is enough), compared in constant time.
 */
import { base64url } from 'jose';
import { sha256Base64Url } from '../../../shared/crypto/sha256.ts';

export const SCOPES = ['assets:read', 'assets:write', 'uploads', 'sharing'] as const;
export type Scope = (typeof SCOPES)[number];

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const KEY_FORMAT = /^mpk_([a-z2-7]{10})_([A-Za-z0-9_-]{43})$/;

export interface NewKey {
  key: string;
  prefix: string;
  secretHash: string;
}

export async function newApiKey(): Promise<NewKey> {
  const prefix = [...crypto.getRandomValues(new Uint8Array(10))].map((b) => PREFIX_ALPHABET[b & 31]).join('');
  const key = `mpk_${prefix}_${base64url.encode(crypto.getRandomValues(new Uint8Array(32)))}`;
  return { key, prefix, secretHash: await keyHash(key) };
}

/** Whether a credential is shaped like an API key (so a Bearer value is treated as one). */
export const looksLikeApiKey = (value: string): boolean => value.startsWith('mpk_');

/** The prefix of a well-formed key, or null. */
export const prefixOf = (key: string): string | null => KEY_FORMAT.exec(key)?.[1] ?? null;

export const keyHash = (key: string): Promise<string> => sha256Base64Url(`api-key:${key}`);

/** Constant-time equality of two equal-length ASCII strings (hashes). */
export function sameHash(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** What a key shows of itself in lists: `mpk_<prefix>_…`. */
export const displayPrefix = (prefix: string): string => `mpk_${prefix}_`;
