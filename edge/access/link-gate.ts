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
import { linkCreatorSql, loadShareLink, shareLinkSql, toShareLinkRecord, type ShareLinkRecord } from './share-link.ts';
import { loadAssetFacts, type LoadedAsset } from './asset-access.ts';
import { requireUnlocked } from './share-unlock.ts';

export const linkGone = () => new AppError('gone', 'This share link has expired or was revoked.');

export interface OpenedLink {
  claims: ShareTokenClaims;
  link: ShareLinkRecord;
}

/** The token's claims, by crypto alone: 401 when it is not ours, 410 when it is ours and expired. */
async function verifyLinkToken(signer: TokenSigner, token: string, requestId: string): Promise<ShareTokenClaims> {
  try {
    return await verifyShareToken(signer.keys, token, signer.party);
  } catch (err) {
    if (!isTokenError(err)) throw err;
    console.log(JSON.stringify({ level: 'info', msg: 'share link refused', code: err.code, requestId }));
    // jose checks the signature before the expiry, so an expired token is a genuine one.
    if (err.code === 'token_expired') throw linkGone();
    throw new AppError('unauthorized', 'The share link is not valid.');
  }
}

/** @throws 410 unless the row exists, is not revoked and its expiry has not passed. */
function requireLive(link: ShareLinkRecord | null, now: Date): ShareLinkRecord {
  if (!link || link.revokedAt !== null || link.expiresAt.getTime() <= now.getTime()) throw linkGone();
  return link;
}

/** The link behind a token, live; the password is checked separately ({@link requireLinkUnlocked}). Needs no request. */
export async function openLinkToken(db: Database, signer: TokenSigner, token: string, now: Date, requestId: string): Promise<OpenedLink> {
  const claims = await verifyLinkToken(signer, token, requestId);
  return { claims, link: requireLive(await loadShareLink(db, claims.linkId), now) };
}

/**
 * A live, unlocked link and the asset it is asked for, read in ONE statement
 * (the link row, the asset and the access facts with the link's creator as a
 * decider; one round trip to the database). `assetOf` names the asset from
 * the verified claims, or null when the path names none: then the link alone
 * is opened (its 401/410 answers come first) and the answer is 404. The
 * asset still has to pass the gate ({@link requireLoadedAsset}).
 */
export async function openLinkWithAsset(
  c: Context<AppEnv>,
  token: string,
  assetOf: (claims: ShareTokenClaims) => string | null,
  now: Date,
): Promise<OpenedLink & { loaded: LoadedAsset<unknown> | null }> {
  const claims = await verifyLinkToken(await tokenSigner(c), token, c.get('requestId'));
  const db = c.get('services').db();
  const assetId = assetOf(claims);
  const loaded = assetId
    ? await loadAssetFacts(db, assetId, { userId: null, linkCreator: linkCreatorSql(claims.linkId) }, now, {
        link: shareLinkSql(claims.linkId),
      })
    : null;
  // No asset row (or none named): the link is read alone, so a dead link still answers 410.
  const link = requireLive(loaded ? toShareLinkRecord(loaded.extra.link) : await loadShareLink(db, claims.linkId), now);
  await requireLinkUnlocked(c, link);
  return { claims, link, loaded };
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
