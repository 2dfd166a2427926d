/**
 * The signing and verifying core shared by every token kind (internal: use the
 * per-kind modules). Verification is pinned on every axis RFC 8725 names:
 * the key comes only from the key set, by `kid` (embedded `jwk`, `jku`, `x5u`
 * headers are never read); the algorithm must be that key's own; `typ` must be
 * the expected one; iss, aud, exp, nbf and iat are checked with a small skew;
 * and the claims must match a strict zod schema.
 */
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { UUID_PATTERN } from '../ids.ts';
import { z } from 'zod';
import { TokenError, type TokenErrorCode } from './errors.ts';
import type { KeySet } from './keys.ts';

/** Clock options every verifier takes. */
export interface ClockOptions {
  /** The current time; tests pass a fixed one. Defaults to the system clock. */
  now?: Date;
  /** Tolerance for exp/nbf/iat, in seconds (0-300). Defaults to 30. */
  clockSkewSeconds?: number;
}

/** Who must have issued the token and for whom. */
export interface PartyOptions {
  issuer: string;
  audience: string;
}

export interface VerifyJwtOptions extends ClockOptions, PartyOptions {
  typ: string;
  /** Refuse tokens whose exp - iat exceeds this (a lifetime we never issue). */
  maxLifetimeSeconds?: number;
}

/** Claims present in every token kind. */
export const registeredClaims = {
  iss: z.string().min(1),
  aud: z.string().min(1),
  exp: z.int().positive(),
  iat: z.int().nonnegative(),
};

/** A lower-case UUID, as Postgres prints ids. */
export const uuidClaim = z.string().regex(UUID_PATTERN);

const MAX_TOKEN_LENGTH = 4096;
// Three base64url segments. A segment whose length is 1 mod 4 is never valid.
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Seconds since the epoch. */
/** A token lifetime in whole seconds, 1 to `max`; `ttl` defaults to `fallback`. @throws TypeError otherwise. */
export function lifetimeSeconds(ttl: number | undefined, fallback: number, max: number): number {
  const seconds = ttl ?? fallback;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > max) throw new TypeError(`ttlSeconds must be 1-${max}`);
  return seconds;
}

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** Validates and returns the skew option, so a typo fails loudly at the call site. */
function skewOf(options: ClockOptions): number {
  const skew = options.clockSkewSeconds ?? 30;
  if (!Number.isInteger(skew) || skew < 0 || skew > 300) throw new TypeError('clockSkewSeconds must be 0-300');
  return skew;
}

/**
 * Base64url decoders ignore the unused low bits of the last character, so
 * `...Q` and `...R` can decode alike: without this check a token would have
 * several spellings that all verify (bad for cache keys and revocation lists).
 */
function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const value = alphabet.indexOf(segment.at(-1) as string);
  return value % (rest === 2 ? 16 : 4) === 0;
}

const sameTyp = (actual: unknown, expected: string): boolean =>
  typeof actual === 'string' && actual.toLowerCase().replace(/^application\//, '') === expected;

/** Signs `claims` with the set's active key under the given `typ`. */
export async function signJwt(keys: KeySet, typ: string, claims: Record<string, unknown>): Promise<string> {
  const { kid, alg, privateKey } = keys.active;
  return new SignJWT(claims).setProtectedHeader({ alg, kid, typ }).sign(privateKey);
}

function fromJose(e: unknown): TokenError {
  if (e instanceof TokenError) return e;
  let code: TokenErrorCode = 'token_malformed';
  if (e instanceof errors.JWTExpired) code = 'token_expired';
  else if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JOSEAlgNotAllowed) {
    code = 'token_invalid_signature';
  } else if (e instanceof errors.JWTClaimValidationFailed && e.reason === 'check_failed') {
    const byClaim: Record<string, TokenErrorCode> = {
      nbf: 'token_not_yet_valid',
      iss: 'token_wrong_issuer',
      aud: 'token_wrong_audience',
      typ: 'token_wrong_type',
    };
    code = byClaim[e.claim] ?? 'token_malformed';
  }
  return new TokenError(code, e instanceof Error ? e.message : 'token rejected', { cause: e });
}

/**
 * Verifies a compact JWS and returns its claims parsed by `schema`.
 * Throws only {@link TokenError} for a bad token.
 */
export async function verifyJwt<T extends { exp: number; iat: number }>(
  keys: KeySet,
  token: unknown,
  schema: z.ZodType<T>,
  options: VerifyJwtOptions,
): Promise<T> {
  const skew = skewOf(options);
  const now = options.now ?? new Date();
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT.test(token)) {
    throw new TokenError('token_malformed', 'not a compact JWS');
  }
  if (!token.split('.').every(isCanonicalBase64url)) throw new TokenError('token_malformed', 'non-canonical base64url');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (e) {
    throw new TokenError('token_malformed', 'unreadable header', { cause: e });
  }
  if (!sameTyp(header.typ, options.typ)) throw new TokenError('token_wrong_type', `typ is not ${options.typ}`);
  const key = typeof header.kid === 'string' ? keys.find(header.kid) : undefined;
  if (!key) throw new TokenError('token_unknown_key', 'kid not in the key set');
  if (header.alg !== key.alg) throw new TokenError('token_invalid_signature', `alg is not ${key.alg}`);

  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [key.alg],
      typ: options.typ,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['exp', 'iat'],
      currentDate: now,
      clockTolerance: skew,
    }));
  } catch (e) {
    throw fromJose(e);
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new TokenError('token_malformed', 'claims do not match the schema', { cause: parsed.error });
  const claims = parsed.data;
  if (claims.iat > epochSeconds(now) + skew) throw new TokenError('token_not_yet_valid', 'iat is in the future');
  if (options.maxLifetimeSeconds !== undefined && claims.exp - claims.iat > options.maxLifetimeSeconds) {
    throw new TokenError('token_malformed', 'lifetime exceeds the maximum');
  }
  return claims;
}
