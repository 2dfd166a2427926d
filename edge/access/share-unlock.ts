/**
 * The password gate of a share link. The sharing API checks the password
 * once and hands out an unlock token (shared/tokens/share-unlock-token.ts),
 * set as a cookie scoped to the link and also returned in the body; every
 * route the link opens then requires it: cookie, `X-Share-Unlock` header, or
 * `?u=` (for clients that can send neither: a player on another site).
 * Any one of them that verifies unlocks, so a stale cookie does not hide a
 * fresh header or query. {@link validUnlock} is the check itself, with no
 * request in sight; the two functions after it read what the request presents.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { isTokenError, passwordVersion, verifyShareUnlockToken } from '../../shared/tokens/index.ts';
import { tokenSigner, type TokenSigner } from '../api/request-context.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';

/** The cookie carrying a link's unlock token. */
export const unlockCookieName = (linkId: string) => `__Host-share-${linkId}`;

type Link = { id: string; passwordHash: string | null };

/**
 * The first of `presented` that is an unlock token for this link and its
 * current password, or null (also for a link without a password). Needs no
 * request: the callers below pick what the request presents.
 */
export async function validUnlock(
  signer: TokenSigner,
  link: Link,
  presented: readonly (string | undefined)[],
  requestId: string,
): Promise<string | null> {
  if (link.passwordHash === null) return null;
  const passwordVersionOfLink = await passwordVersion(link.passwordHash);
  // Distinct values only: the same token sent twice is verified once.
  for (const token of new Set(presented.filter((t): t is string => Boolean(t)))) {
    try {
      await verifyShareUnlockToken(signer.keys, token, { ...signer.party, linkId: link.id, passwordVersion: passwordVersionOfLink });
      return token;
    } catch (err) {
      if (!isTokenError(err)) throw err;
      console.log(JSON.stringify({ level: 'info', msg: 'share unlock refused', code: err.code, requestId }));
    }
  }
  return null;
}

/** @throws 401 `password_required` unless the link has no password or the request presents a valid unlock. */
export async function requireUnlocked(c: Context<AppEnv>, link: Link): Promise<void> {
  if (link.passwordHash === null) return;
  const presented = [getCookie(c, unlockCookieName(link.id)), c.req.header('x-share-unlock'), c.req.query('u')];
  if ((await validUnlock(await tokenSigner(c), link, presented, c.get('requestId'))) === null) {
    throw new AppError('password_required', 'This share link needs its password.');
  }
}

/**
 * The `?u=` unlock of this request when it is a valid one for a
 * password-protected link, else null: what an HLS playlist under `/s/` must
 * pass on to the renditions and segments it names (edge/delivery/hls.ts).
 */
export async function queryUnlock(c: Context<AppEnv>, link: Link): Promise<string | null> {
  const u = c.req.query('u');
  if (link.passwordHash === null || !u) return null;
  return validUnlock(await tokenSigner(c), link, [u], c.get('requestId'));
}
