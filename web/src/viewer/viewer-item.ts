/**
 * What the viewer shows of one asset, from either source: the signed-in
 * API's asset (`GET /api/assets/{id}`) or a share link's item (media under
 * `/s/{token}/…`, no session). Only files the source handed out are used:
 * the original appears only when the caller may download it, so view-only
 * holders never get it.
 */
import type { Schemas } from '../api/client.ts';
import { candidates, mediaUrl, placeholderUrl } from '../components/image-viewer.tsx';
import { dimensionsOf } from '../components/metadata-panel.tsx';
import type { ImageSource } from './zoomable-image.tsx';

type Asset = Schemas['Asset'];
type Shared = Schemas['SharedAsset'];
export type ItemType = Asset['type'];

export interface ViewerItem {
  id: string;
  name: string;
  filename: string;
  type: ItemType;
  status: string;
  description: string | null;
  placeholder: string | null;
  /** w150…w1024 (WebP preferred), one per real width. */
  variants: ImageSource[];
  /** An animated preview (preview.webp) shown as is. */
  animated: string | null;
  /** The original for deep zoom: only when downloadable and a browser can draw it. */
  zoomOriginal: ImageSource | null;
  downloadHref: string | null;
  video: {
    src: string;
    kind: 'hls' | 'progressive';
    poster: string | null;
    storyboard: string | null;
    width: number | null;
    height: number | null;
  } | null;
  audio: { src: string | null; waveform: string | null } | null;
  preview: string | null;
  /** The signed-in source's full asset (info panel, share). */
  asset: Asset | null;
}

const DRAWABLE = /^image\/(jpeg|png|webp|gif|avif)$/;
const RANK = { view: 0, download: 1, edit: 2, manage: 3 } as const;
export const can = (have: Asset['permission'], need: Asset['permission']) => RANK[have] >= RANK[need];

const withDownload = (url: string) => `${url}${url.includes('?') ? '&' : '?'}download=1`;

export function fromAsset(asset: Asset): ViewerItem {
  const webp = candidates(asset, 'webp');
  const variants = webp.length ? webp : candidates(asset, 'jpg');
  const original = can(asset.permission, 'download') ? mediaUrl(asset.media, 'original') : null;
  const { width, height } = dimensionsOf(asset);
  const type = asset.detectedType ?? asset.contentType;
  const hls = mediaUrl(asset.media, 'hls/master.m3u8');
  const progressive = mediaUrl(asset.media, 'progressive.mp4');
  const preview = mediaUrl(asset.media, 'preview.mp4');
  const poster = mediaUrl(asset.media, 'poster.jpg');
  // While the ladder is incomplete the stream copy (full quality) beats a lone 360p rung.
  const videoSrc = asset.status === 'processing' && progressive ? progressive : (hls ?? progressive ?? preview);
  return {
    id: asset.id,
    name: asset.title?.trim() || asset.filename,
    filename: asset.filename,
    type: asset.type,
    status: asset.status,
    description: asset.description,
    placeholder: placeholderUrl(asset.placeholder),
    variants: variants.map((c) => ({ url: c.url, width: c.width, height: c.height })),
    animated: asset.type === 'image' ? mediaUrl(asset.media, 'preview.webp') : null,
    zoomOriginal: original && width && DRAWABLE.test(type) ? { url: original, width, height } : null,
    downloadHref: original ? withDownload(original) : null,
    video:
      asset.type === 'video' && videoSrc
        ? {
            src: videoSrc,
            kind: videoSrc === hls ? 'hls' : 'progressive',
            poster,
            storyboard: mediaUrl(asset.media, 'storyboard.vtt'),
            width,
            height,
          }
        : null,
    audio:
      asset.type === 'audio'
        ? { src: mediaUrl(asset.media, 'preview.mp4') ?? original, waveform: mediaUrl(asset.media, 'waveform.png') }
        : null,
    preview: mediaUrl(asset.media, 'preview.jpg') ?? poster ?? mediaUrl(asset.media, 'icon.png'),
    asset,
  };
}

/** A share link's item; `mediaHref` adds the unlock token where the cookie is not in use. */
export function fromShared(
  a: Shared,
  allowDownload: boolean,
  mediaHref: (url: string, extra?: Record<string, string>) => string,
): ViewerItem {
  const by = (v: string) => a.media.find((m) => m.variant === v);
  const href = (v: string) => {
    const m = by(v);
    return m ? mediaHref(m.url) : null;
  };
  const pick = (ext: string) => {
    const seen = new Set<number>();
    return a.media
      .filter((m) => new RegExp(`^w\\d+\\.${ext}$`).test(m.variant) && m.width && !seen.has(m.width) && seen.add(m.width))
      .map((m) => ({ url: mediaHref(m.url), width: m.width!, height: m.height }));
  };
  const webp = pick('webp');
  const variants = webp.length ? webp : pick('jpg');
  const original = allowDownload ? by('original') : undefined;
  const audio = !!by('waveform.png');
  const hls = href('hls/master.m3u8');
  const mp4 = href('preview.mp4');
  const biggest = variants.reduce((m, v) => Math.max(m, v.width), 0);
  const type: ItemType = audio ? 'audio' : hls || mp4 ? 'video' : variants.length ? 'image' : 'document';
  return {
    id: a.id,
    name: a.title?.trim() || a.filename,
    filename: a.filename,
    type,
    status: a.status,
    description: a.description,
    placeholder: placeholderUrl(a.placeholder),
    variants,
    animated: null,
    zoomOriginal:
      original?.width && original.width > biggest && DRAWABLE.test(a.contentType)
        ? { url: mediaHref(original.url), width: original.width, height: original.height }
        : null,
    downloadHref: original ? mediaHref(original.url, { download: '1' }) : null,
    video:
      type === 'video'
        ? { src: (hls ?? mp4)!, kind: hls ? 'hls' : 'progressive', poster: href('poster.jpg'), storyboard: null, width: null, height: null }
        : null,
    audio: audio ? { src: mp4, waveform: href('waveform.png') } : null,
    preview: href('preview.jpg') ?? href('poster.jpg') ?? href('icon.png'),
    asset: null,
  };
}
