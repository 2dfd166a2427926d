/**
 * The password gate of a share link. The sharing API checks the password
 * once and hands out an unlock token (shared/tokens/share-unlock-token.ts),
 * set as a cookie scoped to the link and also returned in the body; every
 * route the link opens then requires it: cookie, `X-Share-Unlock` header, or
 * `?u=` (for clients that cannot send either).
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { isTokenError, passwordVersion, verifyShareUnlockToken } from '../../shared/tokens/index.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';

/** The cookie carrying a link's unlock token. */
export const unlockCookieName = (linkId: string) => `__Host-share-${linkId}`;

export async function requireUnlocked(c: Context<AppEnv>, link: { id: string; passwordHash: string | null }): Promise<void> {
  if (link.passwordHash === null) return;
  const presented = getCookie(c, unlockCookieName(link.id)) ?? c.req.header('x-share-unlock') ?? c.req.query('u');
  if (presented) {
    const { keys, tokenParty } = c.get('services');
    try {
      await verifyShareUnlockToken(await keys(), presented, {
        ...tokenParty,
        linkId: link.id,
        passwordVersion: await passwordVersion(link.passwordHash),
      });
      return;
    } catch (err) {
      if (!isTokenError(err)) throw err;
      console.log(JSON.stringify({ level: 'info', msg: 'share unlock refused', code: err.code, requestId: c.get('requestId') }));
    }
  }
  throw new AppError('password_required', 'This share link needs its password.');
}
