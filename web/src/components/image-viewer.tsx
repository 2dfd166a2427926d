/**
 * Images from signed media URLs: the asset page's responsive viewer (a
 * <picture> with a WebP srcset and a JPEG fallback, sized from the
 * derivatives, over its ThumbHash placeholder) and the small thumbnail used
 * by lists. Media URLs expire: an image that fails to load reports it with
 * `onExpired` so the page can fetch fresh URLs.
 */
import { useMemo, useState } from 'preact/hooks';
import { thumbHashToDataURL } from 'thumbhash';
import type { Schemas } from '../api/client.ts';

type Asset = Schemas['Asset'];
type MediaUrl = Schemas['MediaUrl'];

/** The signed URL of one variant, if the API handed one out. */
export function mediaUrl(media: readonly MediaUrl[], variant: string): string | null {
  return media.find((m) => m.variant === variant)?.url ?? null;
}

/** A ThumbHash (base64) as a data: URL, or null when absent or malformed. */
export function placeholderUrl(b64: string | null | undefined): string | null {
  if (!b64) return null;
  try {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return thumbHashToDataURL(bytes);
  } catch {
    return null;
  }
}

interface Candidate {
  url: string;
  width: number;
  height: number | null;
}

/** `w150.webp`…`w1024.webp` (or .jpg) that have both a URL and a ready derivative, by width, one per real width. */
export function candidates(asset: Pick<Asset, 'media' | 'derivatives'>, ext: 'webp' | 'jpg'): Candidate[] {
  const out: Candidate[] = [];
  const re = new RegExp(`^w(\\d+)\\.${ext}$`);
  for (const d of asset.derivatives) {
    const m = re.exec(d.kind);
    if (!m || d.status !== 'ready') continue;
    const url = mediaUrl(asset.media, d.kind);
    if (!url) continue;
    // Derivatives are never upscaled: a small original has several variants of one real width.
    const width = d.width ?? Number(m[1]);
    if (out.some((c) => c.width === width)) continue;
    out.push({ url, width, height: d.height });
  }
  return out.sort((a, b) => a.width - b.width);
}

const srcsetOf = (list: Candidate[]) => list.map((c) => `${c.url} ${c.width}w`).join(', ');

/** The viewer column: full width on small screens, about two thirds of the page on wide ones (capped by main's 80rem). */
export const VIEWER_SIZES = '(min-width: 60rem) min(52rem, 64vw), calc(100vw - 2rem)';

export function ImageViewer({ asset, alt, onExpired }: { asset: Asset; alt: string; onExpired: () => void }) {
  const [loaded, setLoaded] = useState(false);
  const [failed, setFailed] = useState(false);
  const webp = useMemo(() => candidates(asset, 'webp'), [asset]);
  const jpeg = useMemo(() => candidates(asset, 'jpg'), [asset]);
  const placeholder = useMemo(() => placeholderUrl(asset.placeholder), [asset.placeholder]);
  const fallback = jpeg.length ? jpeg : webp;
  const largest = fallback[fallback.length - 1];
  if (!largest) return <NoPreview asset={asset} />;
  const width = largest.width;
  const height = largest.height ?? Math.round(width * 0.75);
  return (
    <figure class="image-viewer">
      <div
        class={`image-frame${loaded ? ' is-loaded' : ''}`}
        style={placeholder && !loaded ? { backgroundImage: `url(${placeholder})` } : undefined}
      >
        <picture>
          {webp.length ? <source type="image/webp" srcset={srcsetOf(webp)} sizes={VIEWER_SIZES} /> : null}
          <img
            src={largest.url}
            srcset={srcsetOf(fallback)}
            sizes={VIEWER_SIZES}
            width={width}
            height={height}
            alt={alt}
            decoding="async"
            onLoad={() => {
              setLoaded(true);
              setFailed(false);
            }}
            onError={() => {
              setFailed(true);
              onExpired();
            }}
          />
        </picture>
      </div>
      {failed && !loaded ? (
        <p class="muted small" role="status">
          The image could not be loaded; trying again with a fresh link…
        </p>
      ) : null}
    </figure>
  );
}

/** A file without image derivatives: its preview, else its type icon. */
export function NoPreview({ asset }: { asset: Pick<Asset, 'media' | 'filename' | 'type'> }) {
  const src = mediaUrl(asset.media, 'preview.jpg') ?? mediaUrl(asset.media, 'poster.jpg') ?? mediaUrl(asset.media, 'icon.png');
  return (
    <figure class="image-viewer no-preview">
      {src ? (
        <img src={src} alt={`Preview of ${asset.filename}`} class="preview-img" />
      ) : (
        <span class="type-badge" aria-hidden="true">
          {asset.type}
        </span>
      )}
      <figcaption class="muted">{asset.filename}</figcaption>
    </figure>
  );
}

/** A list thumbnail: the summary's signed thumbnail over its ThumbHash; `onExpired` on a load error. */
export function ItemThumb({ item, onExpired }: { item: Schemas['AssetSummary']; onExpired?: () => void }) {
  const [loaded, setLoaded] = useState(false);
  const placeholder = useMemo(() => placeholderUrl(item.placeholder), [item.placeholder]);
  return (
    <div class="item-thumb" style={placeholder && !loaded ? { backgroundImage: `url(${placeholder})` } : undefined}>
      {item.thumbnail ? (
        <img src={item.thumbnail.url} alt="" loading="lazy" decoding="async" onLoad={() => setLoaded(true)} onError={() => onExpired?.()} />
      ) : (
        <span class="type-badge" aria-hidden="true">
          {item.type}
        </span>
      )}
    </div>
  );
}
