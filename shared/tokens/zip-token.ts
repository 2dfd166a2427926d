/**
 * Signed archive URLs: `GET /api/downloads/{token}` streams a ZIP without an
 * Authorization header, so a browser can simply navigate to it. The token
 * names who asked (the user and their session family `sid`), what (one
 * collection, or up to {@link ZIP_MAX_ASSETS} assets in order) and which
 * file of each (`original` or a derivative variant). It lives
 * {@link ZIP_TOKEN_TTL_SECONDS} by default, at most 15 minutes.
 *
 * The token is not the access decision: the server checks that the session
 * still stands and asks the access policy again when the archive is served
 * (edge/downloads/).
 *
 * Header `typ: zip+jwt`. Claims: iss, aud, iat, exp, `u` user id, `s`
 * session id, `c` collection id or `a` asset ids (16 bytes each,
 * concatenated, base64url), `v` variant, `z` 1 to force Zip64 records.
 */
import { base64url } from 'jose';
import { z } from 'zod';
import { UUID_PATTERN } from '../ids.ts';
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

export const ZIP_TOKEN_TYP = 'zip+jwt';
export const ZIP_TOKEN_TTL_SECONDS = 10 * 60;
export const ZIP_TOKEN_MAX_TTL_SECONDS = 15 * 60;
/** Selections larger than this do not fit a URL: put them in a collection. */
export const ZIP_MAX_ASSETS = 100;

const VARIANT = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const zipClaimsSchema = z.strictObject({
  ...registeredClaims,
  u: uuidClaim,
  s: uuidClaim,
  c: uuidClaim.optional(),
  a: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .max(Math.ceil((ZIP_MAX_ASSETS * 16 * 4) / 3))
    .optional(),
  v: z.string().regex(VARIANT),
  z: z.literal(1).optional(),
});

export type ZipContents = { collectionId: string } | { assetIds: string[] };

export interface ZipTokenClaims {
  userId: string;
  sessionId: string;
  contents: ZipContents;
  variant: string;
  forceZip64: boolean;
  expiresAt: Date;
}

export interface SignZipTokenInput extends PartyOptions {
  userId: string;
  sessionId: string;
  contents: ZipContents;
  variant: string;
  forceZip64?: boolean;
  ttlSeconds?: number;
  now?: Date;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function packIds(ids: readonly string[]): string {
  const out = new Uint8Array(ids.length * 16);
  ids.forEach((id, i) => {
    if (!UUID_PATTERN.test(id)) throw new TypeError('not a UUID');
    const h = id.replaceAll('-', '');
    for (let j = 0; j < 16; j++) out[i * 16 + j] = Number.parseInt(h.slice(2 * j, 2 * j + 2), 16);
  });
  return base64url.encode(out);
}

function unpackIds(packed: string): string[] {
  const bytes = base64url.decode(packed);
  if (bytes.length === 0 || bytes.length % 16 !== 0 || bytes.length / 16 > ZIP_MAX_ASSETS)
    throw new TokenError('token_malformed', 'bad asset list');
  const ids: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const h = hex(bytes.subarray(i, i + 16));
    ids.push(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
  }
  return ids;
}

/** @throws TypeError when the input would make a token the verifier refuses. */
export async function signZipToken(keys: KeySet, input: SignZipTokenInput): Promise<{ token: string; expiresAt: Date }> {
  const ttl = lifetimeSeconds(input.ttlSeconds, ZIP_TOKEN_TTL_SECONDS, ZIP_TOKEN_MAX_TTL_SECONDS);
  const iat = epochSeconds(input.now ?? new Date());
  const what = 'collectionId' in input.contents ? { c: input.contents.collectionId } : { a: packIds(input.contents.assetIds) };
  const parsed = zipClaimsSchema.safeParse({
    iss: input.issuer,
    aud: input.audience,
    iat,
    exp: iat + ttl,
    u: input.userId,
    s: input.sessionId,
    ...what,
    v: input.variant,
    ...(input.forceZip64 ? { z: 1 } : {}),
  });
  if (!parsed.success) throw new TypeError('invalid zip token input', { cause: parsed.error });
  return { token: await signJwt(keys, ZIP_TOKEN_TYP, parsed.data), expiresAt: new Date((iat + ttl) * 1000) };
}

/** @throws TokenError (the usual codes) for anything but a genuine, current zip token. */
export async function verifyZipToken(keys: KeySet, token: unknown, options: PartyOptions & ClockOptions): Promise<ZipTokenClaims> {
  const c = await verifyJwt(keys, token, zipClaimsSchema, {
    ...options,
    typ: ZIP_TOKEN_TYP,
    maxLifetimeSeconds: ZIP_TOKEN_MAX_TTL_SECONDS,
  });
  if ((c.c === undefined) === (c.a === undefined)) throw new TokenError('token_malformed', 'a zip token names a collection or assets');
  return {
    userId: c.u,
    sessionId: c.s,
    contents: c.c !== undefined ? { collectionId: c.c } : { assetIds: unpackIds(c.a!) },
    variant: c.v,
    forceZip64: c.z === 1,
    expiresAt: new Date(c.exp * 1000),
  };
}
