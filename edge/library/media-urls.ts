/**
 * Signed media URLs (`/m/:assetId/:variant?t=…`) handed out with asset
 * responses, so `<img>`, `<video>` and HLS players need no Authorization
 * header. Only for callers already authorised: the caller of these functions
 * has checked the permission.
 *
 * Issue times are rounded down to a 5-minute step: an EdDSA signature is
 * deterministic, so the same asset gets the same URL for five minutes and the
 * browser's cache keeps working across list refreshes. A URL lives 10 to 15
 * minutes (HLS: 55 to 60, so a film can be watched to the end).
 */
import { MASTER_PLAYLIST } from '../../shared/profiles/video.ts';
import { includes, type Permission } from '../../shared/policy/access.ts';
import { signMediaToken, type KeySet } from '../../shared/tokens/index.ts';

const STEP_SECONDS = 300;
const TTL_SECONDS = 900;
const HLS_TTL_SECONDS = 3600;

/** Variants tried, in order, for a list thumbnail. */
export const THUMBNAIL_VARIANTS = ['w320.webp', 'w320.jpg', 'poster.jpg', 'preview.jpg', 'waveform.png', 'icon.png'] as const;

export interface MediaUrl {
  variant: string;
  url: string;
  expiresAt: string;
}

export interface Signer {
  keys: KeySet;
  party: { issuer: string; audience: string };
  now: Date;
}

const issuedAt = (now: Date) => new Date(Math.floor(now.getTime() / (STEP_SECONDS * 1000)) * STEP_SECONDS * 1000);

const path = (assetId: string, variant: string) => `/m/${assetId}/${variant.split('/').map(encodeURIComponent).join('/')}`;

async function sign(
  s: Signer,
  assetId: string,
  variant: string,
  opts: { scope: string; permission: 'view' | 'download'; ttl: number },
): Promise<MediaUrl> {
  const iat = issuedAt(s.now);
  const token = await signMediaToken(s.keys, {
    ...s.party,
    assetId,
    scope: opts.scope,
    permission: opts.permission,
    ttlSeconds: opts.ttl,
    now: iat,
  });
  return { variant, url: `${path(assetId, variant)}?t=${token}`, expiresAt: new Date(iat.getTime() + opts.ttl * 1000).toISOString() };
}

/** One thumbnail URL (view only, scoped to that variant). */
export const thumbnailUrl = (s: Signer, assetId: string, variant: string) =>
  sign(s, assetId, variant, { scope: variant, permission: 'view', ttl: TTL_SECONDS });

/**
 * URLs for every ready derivative the caller may view: the HLS master with an
 * `hls/` scope (the player then reaches every rendition and segment with it;
 * those files get no URL of their own), each other derivative scoped to
 * itself, and the original only with the download permission.
 */
export async function mediaUrlsFor(s: Signer, assetId: string, permission: Permission, readyKinds: readonly string[]): Promise<MediaUrl[]> {
  if (!includes(permission, 'view')) return [];
  const jobs: Promise<MediaUrl>[] = [];
  for (const kind of readyKinds) {
    if (kind === MASTER_PLAYLIST) jobs.push(sign(s, assetId, kind, { scope: 'hls/', permission: 'view', ttl: HLS_TTL_SECONDS }));
    else if (!kind.startsWith('hls/')) jobs.push(sign(s, assetId, kind, { scope: kind, permission: 'view', ttl: TTL_SECONDS }));
  }
  if (includes(permission, 'download')) {
    jobs.push(sign(s, assetId, 'original', { scope: 'original', permission: 'download', ttl: TTL_SECONDS }));
  }
  return Promise.all(jobs);
}
