/**
 * The one place a handler turns Hono's context into the plain values the
 * services take (services never see the context): who calls, what the
 * request says about the client, and the signers built from the request's
 * key set. Handlers decode, call these, call a service, map errors.
 */
import type { Context } from 'hono';
import type { KeySet } from '../../shared/tokens/index.ts';
import { currentUser, optionalUser } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';
import { clientAddress } from '../middleware/client-address.ts';

export interface RequestMeta {
  requestId: string;
  /** `CF-Connecting-IP`, or null when called directly (local runs). */
  ip: string | null;
  userAgent: string | null;
}

/** The request id, the client address and the user agent: what audit and session rows record. */
export function requestMeta(c: Context<AppEnv>): RequestMeta {
  return { requestId: c.get('requestId'), ip: clientAddress(c), userAgent: c.req.header('user-agent') ?? null };
}

/** The signed-in caller's id (routes behind `requireUser()`); the verifier already refused a `sub` that is not a UUID. */
export const callerId = (c: Context<AppEnv>): string => currentUser(c).id;

/** The caller's id, or null for an anonymous caller; a bad credential is still a 401. */
export async function optionalCallerId(c: Context<AppEnv>): Promise<string | null> {
  return (await optionalUser(c))?.id ?? null;
}

export interface TokenSigner {
  keys: KeySet;
  party: { issuer: string; audience: string };
}

/** The request's key set and token party: what signs access, media and share tokens. */
export async function tokenSigner(c: Context<AppEnv>): Promise<TokenSigner> {
  const { keys, tokenParty } = c.get('services');
  return { keys: await keys(), party: tokenParty };
}

/** The media URL signer of this request (edge/library/media-urls.ts), at `now`. */
export async function mediaSigner(c: Context<AppEnv>, now: Date): Promise<TokenSigner & { now: Date }> {
  return { ...(await tokenSigner(c)), now };
}
