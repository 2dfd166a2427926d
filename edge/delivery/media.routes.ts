/**
 * `GET|HEAD /m/:assetId/:variant` — media delivery. Who may read, in order:
 * anyone for a public asset; the holder of a signed media URL token (`?t=`,
 * crypto only, no database); a signed-in user (Bearer) the access policy
 * allows. `original` (and `?download=1`) needs the download permission.
 * Share links have their own path (share-media.ts).
 */
import { Hono, type Context } from 'hono';
import { originalKey, derivativeKey, isAssetId, isVariantPath } from '../../shared/storage/keys.ts';
import { signMediaToken, verifyMediaToken } from '../../shared/tokens/index.ts';
import { requireAssetPermission } from '../access/gate.ts';
import { optionalUser, sendsCredentials } from '../auth/authenticate.ts';
import { addTokenToPlaylist, isPlaylist } from './hls.ts';
import { addParamsToVtt, isStoryboardTrack, STORYBOARD_SPRITE } from './storyboard-track.ts';
import { PRIVATE_REVALIDATE, PUBLIC_MEDIA, untilExpiry } from './cache-policy.ts';
import { presentationFor } from './media-presentation.ts';
import { serveObject } from './serve-object.ts';
import { fromEdgeCache, storeInEdgeCache, waitUntilOf } from './edge-cache.ts';
import { tokenRefused } from './token-errors.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { guardOriginal } from '../uploads/original-guard.ts';
import { withSubtitles } from '../subtitles/master-subtitles.ts';
import { forwardToRegion, isApiWorker, regionBinding } from '../platform/region-forward.ts';

export const rewriteOption = (rewrite: ((text: string) => string) | undefined) => (rewrite ? { rewrite } : {});

/** Playlist tokens last this long: long enough to watch, as short as the token rules allow. */
const PLAYLIST_TOKEN_TTL = 3600;

export const mediaLocation = (c: Context<AppEnv>, assetId: string, variant: string) => {
  const { config } = c.get('services');
  return variant === 'original'
    ? { bucket: config.S3_BUCKET_RAW, key: originalKey(assetId) }
    : { bucket: config.S3_BUCKET_DERIVATIVES, key: derivativeKey(assetId, variant) };
};

export const neededPermission = (variant: string, download: boolean): 'view' | 'download' =>
  variant === 'original' || download ? 'download' : 'view';

export const media = new Hono<AppEnv>().get('/m/:assetId/:variant{.+}', async (c) => {
  const { assetId, variant } = c.req.param();
  if (!isAssetId(assetId) || !isVariantPath(variant)) throw new AppError('not_found', 'No such media.');
  const download = c.req.query('download') === '1';
  const need = neededPermission(variant, download);
  const { keys, tokenParty, media, db } = c.get('services');
  const method = c.req.method === 'HEAD' ? 'HEAD' : 'GET';
  const token = c.req.query('t');

  if (token !== undefined) {
    const claims = await verifyMediaToken(await keys(), token, { ...tokenParty, assetId, variant, permission: need }).catch(
      (err: unknown) => tokenRefused(err, c.get('requestId'), 'media token'),
    );
    // Segments are reachable only if the token covers the whole hls/ prefix (or every variant).
    const playlistToken = claims.scope === null || claims.scope === 'hls/' ? token : null;
    let trackRewrite: ((text: string) => string) | undefined;
    if (isStoryboardTrack(variant)) {
      // The sprite gets a token of its own, living no longer than the caller's.
      const spriteToken =
        claims.scope === null
          ? token
          : await signMediaToken(await keys(), {
              ...tokenParty,
              assetId,
              scope: STORYBOARD_SPRITE,
              ttlSeconds: Math.max(1, Math.floor((claims.expiresAt.getTime() - Date.now()) / 1000)),
            });
      trackRewrite = (text) => addParamsToVtt(text, { t: spriteToken });
    }
    // The token is verified: its derivative may come from this location's cache (edge-cache.ts).
    const signedEntry = { space: 'signed', assetId, variant, download } as const;
    const cacheControl = untilExpiry(claims.expiresAt);
    const cached = await fromEdgeCache(signedEntry, c.req.raw, { cacheControl });
    if (cached) return cached;
    const res = await guardOriginal(
      db(),
      assetId,
      variant,
      await serveObject(media, {
        ...mediaLocation(c, assetId, variant),
        method,
        request: c.req.raw.headers,
        cacheControl,
        download,
        // An original is typed by its sniffed type (one row read); derivatives stay crypto only.
        ...(await presentationFor(db(), assetId, variant)),
        ...rewriteOption(
          trackRewrite ??
            (await withSubtitles(
              db(),
              assetId,
              variant,
              isPlaylist(variant) && playlistToken ? (text: string) => addTokenToPlaylist(text, playlistToken) : undefined,
            )),
        ),
      }),
    );
    return storeInEdgeCache(
      signedEntry,
      c.req.raw,
      res,
      waitUntilOf(() => c.executionCtx),
    );
  }

  // The public key space holds only answers decided for an anonymous caller (a signed-in
  // caller may download what the public may not): looked up before any database read.
  const anonymous = !sendsCredentials(c);
  const publicEntry = { space: 'public', assetId, variant, download } as const;
  const publicAnswer = { cacheControl: PUBLIC_MEDIA, headers: { vary: 'Authorization' } };
  // The API Worker keeps no copies: what it answers is kept, if at all, by the edge that asked
  // (a second tier would let a copy outlive the visibility rule's 60 s).
  const edgeCaching = anonymous && !isApiWorker(c);
  if (edgeCaching) {
    const cached = await fromEdgeCache(publicEntry, c.req.raw, publicAnswer);
    if (cached) return cached;
  }
  const region = anonymous ? regionBinding(c) : null;
  if (region) {
    // A miss: the access decision and the read happen next to the region (one crossing), and the
    // answer is kept here exactly when the API Worker decided it public (the same Cache-Control
    // this route sets below for an anonymous public read).
    const res = await forwardToRegion(c, region);
    const isPublicAnswer = res.status === 200 && res.headers.get('cache-control') === PUBLIC_MEDIA;
    return isPublicAnswer
      ? storeInEdgeCache(
          publicEntry,
          c.req.raw,
          res,
          waitUntilOf(() => c.executionCtx),
        )
      : res;
  }

  const now = new Date();
  const user = await optionalUser(c);
  // No permission at all reads as "no such media", so private assets are not revealed.
  const { asset, publicView } = await requireAssetPermission(db(), assetId, { userId: user?.id ?? null }, need, now, {
    missing: 'No such media.',
    forbidden: 'Downloading this file is not allowed.',
  });
  if (asset.status === 'blocked') throw new AppError('forbidden', 'This file is blocked (its owner sees why).');

  const isPublic = publicView && variant !== 'original';
  let rewrite: ((text: string) => string) | undefined;
  if (isPlaylist(variant) && user) {
    // The player cannot send the Bearer header with every segment: give it a token for hls/.
    const hlsToken = await signMediaToken(await keys(), { ...tokenParty, assetId, scope: 'hls/', ttlSeconds: PLAYLIST_TOKEN_TTL });
    rewrite = (text) => addTokenToPlaylist(text, hlsToken);
  } else if (isStoryboardTrack(variant) && user) {
    const spriteToken = await signMediaToken(await keys(), {
      ...tokenParty,
      assetId,
      scope: STORYBOARD_SPRITE,
      ttlSeconds: PLAYLIST_TOKEN_TTL,
    });
    rewrite = (text) => addParamsToVtt(text, { t: spriteToken });
  }
  // Subtitle renditions join the master here (edge/subtitles/master-subtitles.ts).
  rewrite = await withSubtitles(db(), assetId, variant, rewrite);
  const res = await serveObject(media, {
    ...mediaLocation(c, assetId, variant),
    method,
    request: c.req.raw.headers,
    cacheControl: isPublic && !rewrite ? PUBLIC_MEDIA : PRIVATE_REVALIDATE,
    download,
    ...(await presentationFor(db(), assetId, variant)),
    headers: publicAnswer.headers,
    ...(rewrite ? { rewrite } : {}),
  });
  const guarded = await guardOriginal(db(), assetId, variant, res);
  return edgeCaching && isPublic && !rewrite
    ? storeInEdgeCache(
        publicEntry,
        c.req.raw,
        guarded,
        waitUntilOf(() => c.executionCtx),
      )
    : guarded;
});
