/**
 * Session access tokens: short-lived JWTs in the RFC 9068 profile (header
 * `typ: at+jwt`), sent as `Authorization: Bearer`. The refresh token is a
 * separate opaque cookie and is not handled here.
 *
 * Claims: iss, aud, sub (user id), exp, iat, nbf, jti (random, for audit and
 * deny-lists) and optionally sid (the login session, so logout can revoke).
 */
import { z } from 'zod';
import { epochSeconds, lifetimeSeconds, type ClockOptions, type PartyOptions, registeredClaims, signJwt, verifyJwt } from './jwt.ts';
import type { KeySet } from './keys.ts';

/** The JWT `typ` header of an access token. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Default lifetime: 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Longest lifetime signed or accepted: 1 hour. */
export const ACCESS_TOKEN_MAX_TTL_SECONDS = 60 * 60;

const accessClaimsSchema = z.strictObject({
  ...registeredClaims,
  sub: z.string().min(1).max(255),
  nbf: z.int().nonnegative(),
  jti: z.string().min(16).max(64),
  sid: z.string().min(1).max(64).optional(),
});

/** The verified claims of an access token. */
export type AccessTokenClaims = z.infer<typeof accessClaimsSchema>;

/** What to put in a new access token. */
export interface SignAccessTokenInput extends PartyOptions {
  /** The user id. */
  sub: string;
  /** The login session id, if sessions are tracked. */
  sid?: string;
  /** Issue time; defaults to the system clock. */
  now?: Date;
  /** Lifetime in seconds, 1 to {@link ACCESS_TOKEN_MAX_TTL_SECONDS}; defaults to 15 minutes. */
  ttlSeconds?: number;
}

/** Options for {@link verifyAccessToken}. */
export interface VerifyAccessTokenOptions extends PartyOptions, ClockOptions {}

/**
 * Signs an access token with the key set's active key.
 *
 * @returns the compact token and the claims it carries (for `expiresIn`, audit).
 * @throws TypeError when the input would make a token the verifier refuses.
 */
export async function signAccessToken(keys: KeySet, input: SignAccessTokenInput): Promise<{ token: string; claims: AccessTokenClaims }> {
  const ttl = lifetimeSeconds(input.ttlSeconds, ACCESS_TOKEN_TTL_SECONDS, ACCESS_TOKEN_MAX_TTL_SECONDS);
  const iat = epochSeconds(input.now ?? new Date());
  const parsed = accessClaimsSchema.safeParse({
    iss: input.issuer,
    aud: input.audience,
    sub: input.sub,
    iat,
    nbf: iat,
    exp: iat + ttl,
    jti: crypto.randomUUID(),
    ...(input.sid === undefined ? {} : { sid: input.sid }),
  });
  if (!parsed.success) throw new TypeError('invalid access token input', { cause: parsed.error });
  return { token: await signJwt(keys, ACCESS_TOKEN_TYP, parsed.data), claims: parsed.data };
}

/**
 * Verifies an access token: signature by a key of the set (looked up by kid,
 * algorithm pinned to that key), `typ: at+jwt`, issuer, audience, exp/nbf/iat
 * with the clock skew, and strict claim types.
 *
 * @throws TokenError with a stable `code` for any refused token.
 */
export async function verifyAccessToken(keys: KeySet, token: unknown, options: VerifyAccessTokenOptions): Promise<AccessTokenClaims> {
  return verifyJwt(keys, token, accessClaimsSchema, {
    ...options,
    typ: ACCESS_TOKEN_TYP,
    maxLifetimeSeconds: ACCESS_TOKEN_MAX_TTL_SECONDS,
  });
}
