/**
 * `GET|HEAD /s/:shareToken/...` — media through a share link, no account
 * needed. An asset link serves `/s/:token/:variant`; a collection link serves
 * `/s/:token/:assetId/:variant` for assets in the collection. The token is
 * checked first (signature, expiry: crypto only); then the link row
 * (revocation, password, download cap) and the asset via the access policy.
 * HLS segment URIs are relative and resolve under the same `/s/:token/`
 * path; a password link unlocked by `?u=` gets it carried into every URI.
 */
import { Hono } from 'hono';
import { isAssetId, isVariantPath } from '../../shared/storage/keys.ts';
import type { ShareTokenClaims } from '../../shared/tokens/index.ts';
import { requireLoadedAsset } from '../access/gate.ts';
import { openLinkWithAsset } from '../access/link-gate.ts';
import { countDownload } from '../access/share-link.ts';
import { queryUnlock } from '../access/share-unlock.ts';
import { addParamsToPlaylist, isPlaylist } from './hls.ts';
import { addParamsToVtt, isStoryboardTrack } from './storyboard-track.ts';
import { presentationFor } from './media-presentation.ts';
import { startsDownload, type SentBytes } from './sent-bytes.ts';
import { serveObject } from './serve-object.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { guardOriginal } from '../uploads/original-guard.ts';
import { mediaLocation, neededPermission, rewriteOption } from './media.routes.ts';
import { withSubtitles } from '../subtitles/master-subtitles.ts';

const SHARE_CACHE = 'private, no-cache';

export const shareMedia = new Hono<AppEnv>().get('/s/:shareToken/:rest{.+}', async (c) => {
  const { shareToken, rest } = c.req.param();
  const { media, db } = c.get('services');
  const now = new Date();
  // Which asset and variant: the link's own asset, or one named in the path for a collection link.
  const target = (claims: ShareTokenClaims) => {
    const slash = rest.indexOf('/');
    const own = claims.resource.type === 'asset';
    const assetId = own ? claims.resource.id : slash === -1 ? '' : rest.slice(0, slash);
    const variant = own ? rest : slash === -1 ? '' : rest.slice(slash + 1);
    return isAssetId(assetId) && isVariantPath(variant) ? { assetId, variant } : null;
  };
  // The link gate: token, row (revoked, expired, deleted → 410), then the password —
  // a password-protected link serves nothing, thumbnails included, without proof of it.
  // The link, the asset and the access facts are read in one statement.
  const { claims, link, loaded } = await openLinkWithAsset(c, shareToken, (claims) => target(claims)?.assetId ?? null, now);
  const named = target(claims);
  if (!named) throw new AppError('not_found', 'No such media.');
  const { assetId, variant } = named;

  const download = c.req.query('download') === '1';
  const need = neededPermission(variant, download);
  const { asset } = requireLoadedAsset(loaded, { userId: null, link }, need, now, {
    missing: 'No such media.',
    forbidden: 'This link does not allow downloads.',
  });
  if (asset.status === 'blocked') throw new AppError('forbidden', 'This file is blocked (its owner sees why).');

  const method = c.req.method === 'HEAD' ? 'HEAD' : 'GET';
  // A player without cookies or headers unlocks with `?u=`: every playlist passes it on.
  const unlock = isPlaylist(variant) || isStoryboardTrack(variant) ? await queryUnlock(c, link) : null;
  // Views are counted where a link is opened (the sharing API), not per thumbnail or segment.
  const served: { sent?: SentBytes } = {};
  const res = await guardOriginal(
    db(),
    assetId,
    variant,
    await serveObject(media, {
      ...mediaLocation(c, assetId, variant),
      method,
      request: c.req.raw.headers,
      cacheControl: SHARE_CACHE,
      download,
      ...(await presentationFor(db(), assetId, variant)),
      headers: { 'referrer-policy': 'no-referrer' },
      ...rewriteOption(
        // Subtitle renditions join the master (edge/subtitles/master-subtitles.ts), then the unlock.
        await withSubtitles(
          db(),
          assetId,
          variant,
          unlock
            ? (text: string) => (isPlaylist(variant) ? addParamsToPlaylist(text, { u: unlock }) : addParamsToVtt(text, { u: unlock }))
            : undefined,
        ),
      ),
      // What is sent, as planned (never for HEAD, 304 or 416).
      onBody: async (sent) => {
        served.sent = sent;
      },
    }),
  );
  // A download (the original, or ?download=1) counts once, on the answer that carries its first byte
  // (sent-bytes.ts); resumed or seeking ranges continue it. Counted once storage has the bytes and the
  // original passed its guard; losing the race for the last download refuses the answer.
  if (need === 'download' && served.sent && startsDownload(served.sent) && !(await countDownload(db(), link.id, assetId))) {
    await res.body?.cancel();
    throw new AppError('forbidden', 'This link has reached its download limit.');
  }
  return res;
});
