/**
 * Signed media URL tokens: `?t=` on `/m/:assetId/:variant`, so `<img>`,
 * `<video>` and HLS segment requests need no Authorization header. Verifying
 * one is crypto only (no database round trip) and binds the request to one
 * asset, optionally to a variant scope, and to a permission.
 *
 * Header `typ: media+jwt`. Claims (short, because the token is in a URL):
 * iss, aud, exp, iat, `a` asset id, `v` variant scope (optional), `p`
 * permission (`view` | `download`; download implies view).
 *
 * Variant scope: a value ending in `/` (e.g. `hls/`) covers every variant
 * under that prefix, so a player can fetch the playlist and all segments;
 * any other value (e.g. `w640.webp`) covers exactly that variant; no scope
 * covers every variant of the asset. Requested variants must be normalised
 * paths (no `..`, no empty or absolute segments), so `hls/` never covers
 * `hls2/x.ts` or `hls/../original`.
 */
import { z } from 'zod';
import { isVariantPath } from '../storage/keys.ts';
import { TokenError } from './errors.ts';
import {
  epochSeconds,
  lifetimeSeconds,
  type ClockOptions,
  type PartyOptions,
  registeredClaims,
  signJwt,
  uuidClaim,
  verifyJwt,
} from './jwt.ts';
import type { KeySet } from './keys.ts';

/** The JWT `typ` header of a media token. */
export const MEDIA_TOKEN_TYP = 'media+jwt';
/** Default lifetime: 5 minutes. */
export const MEDIA_TOKEN_TTL_SECONDS = 5 * 60;
/** Longest lifetime signed or accepted: 1 hour. */
export const MEDIA_TOKEN_MAX_TTL_SECONDS = 60 * 60;

export type MediaPermission = 'view' | 'download';
const rank: Record<MediaPermission, number> = { view: 0, download: 1 };

const scopeClaim = z.string().refine((s) => isVariantPath(s.endsWith('/') ? s.slice(0, -1) : s), 'not a variant scope');

const mediaClaimsSchema = z.strictObject({
  ...registeredClaims,
  a: uuidClaim,
  v: scopeClaim.optional(),
  p: z.enum(['view', 'download']),
});

/** A verified media token, with readable names. */
export interface MediaTokenClaims {
  assetId: string;
  /** The variant scope, or null for every variant of the asset. */
  scope: string | null;
  permission: MediaPermission;
  issuedAt: Date;
  expiresAt: Date;
}

/** What to put in a new media token. */
export interface SignMediaTokenInput extends PartyOptions {
  assetId: string;
  /** Variant scope: `hls/` (a prefix), `w640.webp` (one variant) or omitted (all). */
  scope?: string;
  /** Defaults to `view`. */
  permission?: MediaPermission;
  /** Lifetime in seconds, 1 to {@link MEDIA_TOKEN_MAX_TTL_SECONDS}; defaults to 5 minutes. */
  ttlSeconds?: number;
  /** Issue time; defaults to the system clock. */
  now?: Date;
}

/** What the request asks for, and the usual verifier options. */
export interface VerifyMediaTokenOptions extends PartyOptions, ClockOptions {
  /** The asset id from the URL path. */
  assetId: string;
  /** The variant from the URL path (`original`, `hls/720p/seg_001.ts`, …), already percent-decoded. */
  variant: string;
  /** What the request needs; defaults to `view`. */
  permission?: MediaPermission;
}

/**
 * Signs a media token with the key set's active key.
 *
 * @throws TypeError when the input would make a token the verifier refuses.
 */
export async function signMediaToken(keys: KeySet, input: SignMediaTokenInput): Promise<string> {
  const ttl = lifetimeSeconds(input.ttlSeconds, MEDIA_TOKEN_TTL_SECONDS, MEDIA_TOKEN_MAX_TTL_SECONDS);
  const iat = epochSeconds(input.now ?? new Date());
  const parsed = mediaClaimsSchema.safeParse({
    iss: input.issuer,
    aud: input.audience,
    iat,
    exp: iat + ttl,
    a: input.assetId,
    ...(input.scope === undefined ? {} : { v: input.scope }),
    p: input.permission ?? 'view',
  });
  if (!parsed.success) throw new TypeError('invalid media token input', { cause: parsed.error });
  return signJwt(keys, MEDIA_TOKEN_TYP, parsed.data);
}

/** Whether a normalised variant path falls within a scope (see the module comment). */
export function variantInScope(variant: string, scope: string | null): boolean {
  if (!isVariantPath(variant)) return false;
  if (scope === null) return true;
  return scope.endsWith('/') ? variant.startsWith(scope) : variant === scope;
}

/**
 * Verifies a media token and checks it covers this request: same asset,
 * variant within the scope, permission at least the one required.
 *
 * @throws TokenError: the usual codes for a bad token, `token_scope_mismatch`
 * (HTTP 403) for a good token that does not cover the request.
 */
export async function verifyMediaToken(keys: KeySet, token: unknown, options: VerifyMediaTokenOptions): Promise<MediaTokenClaims> {
  const c = await verifyJwt(keys, token, mediaClaimsSchema, {
    ...options,
    typ: MEDIA_TOKEN_TYP,
    maxLifetimeSeconds: MEDIA_TOKEN_MAX_TTL_SECONDS,
  });
  const claims: MediaTokenClaims = {
    assetId: c.a,
    scope: c.v ?? null,
    permission: c.p,
    issuedAt: new Date(c.iat * 1000),
    expiresAt: new Date(c.exp * 1000),
  };
  if (claims.assetId !== options.assetId) throw new TokenError('token_scope_mismatch', 'token is for another asset');
  if (!variantInScope(options.variant, claims.scope)) {
    throw new TokenError('token_scope_mismatch', 'variant outside the token scope');
  }
  if (rank[claims.permission] < rank[options.permission ?? 'view']) {
    throw new TokenError('token_scope_mismatch', 'token does not grant this permission');
  }
  return claims;
}
