/**
 * Share-link unlock tokens: proof that the holder of a password-protected
 * link gave its password. The sharing API issues one after checking the
 * password (a slow hash, once); the edge then accepts it on every path the
 * link opens (metadata, thumbnails, media) with crypto only.
 *
 * Header `typ: share-unlock+jwt`, so it is never taken for a share, media or
 * session token. Claims: iss, aud, exp, iat, `l` link id, `pv` a password
 * version (a hash prefix of the stored password hash), so changing the
 * password invalidates every unlock issued before.
 */
import { z } from 'zod';
import { TokenError } from './errors.ts';
import {
  epochSeconds,
  lifetimeSeconds,
  registeredClaims,
  signJwt,
  uuidClaim,
  verifyJwt,
  type ClockOptions,
  type PartyOptions,
} from './jwt.ts';
import type { KeySet } from './keys.ts';
import { base64url } from 'jose';
import { sha256 } from '../crypto/sha256.ts';

export const SHARE_UNLOCK_TOKEN_TYP = 'share-unlock+jwt';
/** Default lifetime: 12 hours (a viewing session). */
export const SHARE_UNLOCK_TTL_SECONDS = 12 * 3600;
/** Longest lifetime signed or accepted: 24 hours. */
export const SHARE_UNLOCK_MAX_TTL_SECONDS = 24 * 3600;

const unlockClaimsSchema = z.strictObject({
  ...registeredClaims,
  l: uuidClaim,
  pv: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
});

export interface SignShareUnlockInput extends PartyOptions {
  linkId: string;
  /** Changes whenever the link's password changes (see module comment). */
  passwordVersion: string;
  ttlSeconds?: number;
  now?: Date;
}

export interface VerifyShareUnlockOptions extends PartyOptions, ClockOptions {
  linkId: string;
  passwordVersion: string;
}

export async function signShareUnlockToken(keys: KeySet, input: SignShareUnlockInput): Promise<{ token: string; expiresAt: Date }> {
  const ttl = lifetimeSeconds(input.ttlSeconds, SHARE_UNLOCK_TTL_SECONDS, SHARE_UNLOCK_MAX_TTL_SECONDS);
  const iat = epochSeconds(input.now ?? new Date());
  const parsed = unlockClaimsSchema.safeParse({
    iss: input.issuer,
    aud: input.audience,
    iat,
    exp: iat + ttl,
    l: input.linkId,
    pv: input.passwordVersion,
  });
  if (!parsed.success) throw new TypeError('invalid share unlock token input', { cause: parsed.error });
  return { token: await signJwt(keys, SHARE_UNLOCK_TOKEN_TYP, parsed.data), expiresAt: new Date((iat + ttl) * 1000) };
}

/**
 * Verifies an unlock token for this link and password version.
 * @throws TokenError; `token_scope_mismatch` for a genuine token of another link or an old password.
 */
export async function verifyShareUnlockToken(keys: KeySet, token: unknown, options: VerifyShareUnlockOptions): Promise<void> {
  const c = await verifyJwt(keys, token, unlockClaimsSchema, {
    ...options,
    typ: SHARE_UNLOCK_TOKEN_TYP,
    maxLifetimeSeconds: SHARE_UNLOCK_MAX_TTL_SECONDS,
  });
  if (c.l !== options.linkId || c.pv !== options.passwordVersion) {
    throw new TokenError('token_scope_mismatch', 'unlock token is for another link or password');
  }
}

/**
 * The password version of a stored hash: 16 base64url characters of its
 * SHA-256, so it reveals nothing usable about the hash itself.
 */
export async function passwordVersion(passwordHash: string): Promise<string> {
  return base64url.encode((await sha256(passwordHash)).subarray(0, 12));
}
