/**
 * Share-link tokens: the signed, compact token in `/s/:shareToken/…`. It names
 * the link, the resource and the permission, and carries the expiry, so the
 * edge checks signature and expiry without a database round trip; revocation,
 * password and download limits are then checked against the `share_links` row.
 *
 * Header `typ: share+jwt`. Claims (short, because the token is in a URL):
 * iss, aud, exp, iat, `l` link id, `rt` resource type (`asset` | `collection`),
 * `ri` resource id, `p` permission (`view` | `download` | `edit` | `manage`).
 */
import { z } from 'zod';
import { epochSeconds, type ClockOptions, type PartyOptions, registeredClaims, signJwt, uuidClaim, verifyJwt } from './jwt.ts';
import type { KeySet } from './keys.ts';

/** The JWT `typ` header of a share token. */
export const SHARE_TOKEN_TYP = 'share+jwt';

/** Permissions in increasing order (DESIGN.md, access model). */
export const sharePermissions = ['view', 'download', 'edit', 'manage'] as const;
export type SharePermission = (typeof sharePermissions)[number];
export type ShareResourceType = 'asset' | 'collection';

const shareClaimsSchema = z.strictObject({
  ...registeredClaims,
  l: uuidClaim,
  rt: z.enum(['asset', 'collection']),
  ri: uuidClaim,
  p: z.enum(sharePermissions),
});

/** A verified share token, with readable names. */
export interface ShareTokenClaims {
  linkId: string;
  resource: { type: ShareResourceType; id: string };
  permission: SharePermission;
  issuedAt: Date;
  expiresAt: Date;
}

/** What to put in a new share token. */
export interface SignShareTokenInput extends PartyOptions {
  linkId: string;
  resource: { type: ShareResourceType; id: string };
  permission: SharePermission;
  /** The link's expiry; must be after `now`. */
  expiresAt: Date;
  /** Issue time; defaults to the system clock. */
  now?: Date;
}

/** Options for {@link verifyShareToken}. */
export interface VerifyShareTokenOptions extends PartyOptions, ClockOptions {}

/**
 * Signs a share token with the key set's active key.
 *
 * @throws TypeError when the input would make a token the verifier refuses.
 */
export async function signShareToken(keys: KeySet, input: SignShareTokenInput): Promise<string> {
  const iat = epochSeconds(input.now ?? new Date());
  const exp = epochSeconds(input.expiresAt);
  if (!(exp > iat)) throw new TypeError('expiresAt must be after now');
  const parsed = shareClaimsSchema.safeParse({
    iss: input.issuer,
    aud: input.audience,
    iat,
    exp,
    l: input.linkId,
    rt: input.resource.type,
    ri: input.resource.id,
    p: input.permission,
  });
  if (!parsed.success) throw new TypeError('invalid share token input', { cause: parsed.error });
  return signJwt(keys, SHARE_TOKEN_TYP, parsed.data);
}

/**
 * Verifies a share token (signature, `typ: share+jwt`, iss, aud, exp/iat with
 * the clock skew, claim types) with no I/O.
 *
 * @throws TokenError with a stable `code` for any refused token.
 */
export async function verifyShareToken(keys: KeySet, token: unknown, options: VerifyShareTokenOptions): Promise<ShareTokenClaims> {
  const c = await verifyJwt(keys, token, shareClaimsSchema, { ...options, typ: SHARE_TOKEN_TYP });
  return {
    linkId: c.l,
    resource: { type: c.rt, id: c.ri },
    permission: c.p,
    issuedAt: new Date(c.iat * 1000),
    expiresAt: new Date(c.exp * 1000),
  };
}
