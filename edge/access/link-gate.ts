/**
 * The one way a share link is opened, for the holder's API
 * (`/api/share/:token`) and for media (`/s/:token/…`). In order:
 *
 * | situation                                                 | answer                    |
 * |-----------------------------------------------------------|---------------------------|
 * | not a token of ours (bad signature, wrong type/iss/aud)   | 401 unauthorized (generic)|
 * | a genuine token past its `exp`                            | 410 gone                  |
 * | no row (deleted), revoked, or its row expiry has passed   | 410 gone                  |
 * | a password and no valid unlock (cookie, header, `?u=`)    | 401 password_required     |
 *
 * Then the link is an asker like any other: edge/access/gate.ts decides what
 * it reaches (a link whose creator may no longer share gives nothing).
 */
import type { Context } from 'hono';
import { isTokenError, verifyShareToken, type ShareTokenClaims } from '../../shared/tokens/index.ts';
import type { Database } from '../../shared/db/database.ts';
import { tokenSigner, type TokenSigner } from '../api/request-context.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { loadShareLink, type ShareLinkRecord } from './share-link.ts';
import { requireUnlocked } from './share-unlock.ts';

export const linkGone = () => new AppError('gone', 'This share link has expired or was revoked.');

export interface OpenedLink {
  claims: ShareTokenClaims;
  link: ShareLinkRecord;
}

/** The link behind a token, live; the password is checked separately ({@link requireLinkUnlocked}). Needs no request. */
export async function openLinkToken(db: Database, signer: TokenSigner, token: string, now: Date, requestId: string): Promise<OpenedLink> {
  let claims: ShareTokenClaims;
  try {
    claims = await verifyShareToken(signer.keys, token, signer.party);
  } catch (err) {
    if (!isTokenError(err)) throw err;
    console.log(JSON.stringify({ level: 'info', msg: 'share link refused', code: err.code, requestId }));
    // jose checks the signature before the expiry, so an expired token is a genuine one.
    if (err.code === 'token_expired') throw linkGone();
    throw new AppError('unauthorized', 'The share link is not valid.');
  }
  const link = await loadShareLink(db, claims.linkId);
  if (!link || link.revokedAt !== null || link.expiresAt.getTime() <= now.getTime()) throw linkGone();
  return { claims, link };
}

/** {@link openLinkToken} for this request. */
export async function openLink(c: Context<AppEnv>, token: string, now: Date): Promise<OpenedLink> {
  return openLinkToken(c.get('services').db(), await tokenSigner(c), token, now, c.get('requestId'));
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

/** Both steps: a live, unlocked link. */
export async function openUnlockedLink(c: Context<AppEnv>, token: string, now: Date): Promise<OpenedLink> {
  const opened = await openLink(c, token, now);
  await requireLinkUnlocked(c, opened.link);
  return opened;
}
