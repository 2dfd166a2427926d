/**
 * What register, login and refresh hand back: a signed access token for the
 * user and session (family), and the body `{ accessToken, expiresIn, user }`.
 * Token responses are `Cache-Control: no-store` (RFC 6749 section 5.1).
 */
import type { Context } from 'hono';
import { signAccessToken } from '../../shared/tokens/index.ts';
import type { AppEnv } from '../env.ts';
import { clientAddress } from '../middleware/client-address.ts';
import type { ClientMeta } from './refresh-tokens.ts';
import type { PublicUser } from './users.ts';

export interface SessionBody {
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  user: PublicUser;
}

/** Signs an access token for `userId` in session `familyId` with the active key. */
export async function signSessionToken(c: Context<AppEnv>, userId: string, familyId: string): Promise<{ token: string; expiresIn: number }> {
  const { keys, tokenParty } = c.get('services');
  const { token, claims } = await signAccessToken(await keys(), { ...tokenParty, sub: userId, sid: familyId });
  return { token, expiresIn: claims.exp - claims.iat };
}

export function sessionBody(access: { token: string; expiresIn: number }, user: PublicUser): SessionBody {
  return { accessToken: access.token, expiresIn: access.expiresIn, user };
}

export function clientMeta(c: Context<AppEnv>): ClientMeta {
  return { userAgent: c.req.header('user-agent') ?? null, ip: clientAddress(c) };
}

export function noStore(c: Context<AppEnv>): void {
  c.header('Cache-Control', 'no-store');
}
