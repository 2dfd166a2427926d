/**
 * The link holder's first step on `/api/share/:token` routes: the token by
 * crypto, then the row. A genuine token past its expiry, a revoked link or
 * one whose row expiry was shortened answer 410 `gone`; any other refused
 * token answers one generic 401 (the reason goes to the log only).
 */
import type { Context } from 'hono';
import { isTokenError, verifyShareToken, type ShareTokenClaims } from '../../shared/tokens/index.ts';
import { loadShareLink, type ShareLinkRecord } from '../access/share-link.ts';
import { requireUnlocked } from '../access/share-unlock.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';

const gone = () => new AppError('gone', 'This share link has expired or was revoked.');

export interface OpenedLink {
  claims: ShareTokenClaims;
  link: ShareLinkRecord;
}

export async function openLink(c: Context<AppEnv>, token: string, now: Date): Promise<OpenedLink> {
  const { keys, tokenParty, db } = c.get('services');
  let claims: ShareTokenClaims;
  try {
    claims = await verifyShareToken(await keys(), token, tokenParty);
  } catch (err) {
    if (!isTokenError(err)) throw err;
    console.log(JSON.stringify({ level: 'info', msg: 'share link refused', code: err.code, requestId: c.get('requestId') }));
    // jose checks the signature before the expiry, so an expired token is a genuine one.
    if (err.code === 'token_expired') throw gone();
    throw new AppError('unauthorized', 'The share link is not valid.');
  }
  const link = await loadShareLink(db(), claims.linkId);
  if (!link || link.revokedAt !== null || link.expiresAt.getTime() <= now.getTime()) throw gone();
  return { claims, link };
}

/**
 * The password gate (edge/access/share-unlock.ts: cookie, `X-Share-Unlock`
 * header or `?u=`), answering 401 `password_required` with
 * `details.needsPassword` so a client knows to ask for it.
 */
export async function requireLinkUnlocked(c: Context<AppEnv>, link: ShareLinkRecord): Promise<void> {
  try {
    await requireUnlocked(c, link);
  } catch (err) {
    if (err instanceof AppError && err.code === 'password_required') {
      throw new AppError('password_required', err.message, {
        details: { needsPassword: true, resourceType: link.resourceType, expiresAt: link.expiresAt.toISOString() },
      });
    }
    throw err;
  }
}
