/**
 * What register, login, refresh and a password change hand back: a signed
 * access token for the user and session (family), and the body
 * `{ accessToken, expiresIn, user }` (./schemas.ts `sessionSchema`). Token
 * responses are `Cache-Control: no-store` (RFC 6749 section 5.1), as every
 * /api answer is (edge/middleware/no-store.ts).
 */
import { signAccessToken } from '../../shared/tokens/index.ts';
import type { TokenSigner } from '../api/request-context.ts';
import type { PublicUser, SessionBody } from './schemas.ts';

/** Signs an access token for `userId` in session `familyId` with the active key. */
export async function signSessionToken(
  signer: TokenSigner,
  userId: string,
  familyId: string,
): Promise<{ token: string; expiresIn: number }> {
  const { token, claims } = await signAccessToken(signer.keys, { ...signer.party, sub: userId, sid: familyId });
  return { token, expiresIn: claims.exp - claims.iat };
}

export function sessionBody(access: { token: string; expiresIn: number }, user: PublicUser): SessionBody {
  return { accessToken: access.token, expiresIn: access.expiresIn, user };
}
