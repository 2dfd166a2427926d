/**
 * ThumbHash placeholders: the API gives each asset's ThumbHash as base64
 * (`item.placeholder`, made by the pipeline from the decoded image); this
 * turns it into a small PNG data URL to paint while the real thumbnail
 * loads, and the approximate aspect ratio it encodes. Decoding is cheap but
 * not free, so results are memoised (a hash never changes meaning).
 */
import { thumbHashToApproximateAspectRatio, thumbHashToDataURL } from 'thumbhash';

export interface Placeholder {
  /** `data:image/png;base64,…` of the decoded ThumbHash. */
  url: string;
  /** Width / height of the original, approximately. */
  ratio: number;
}

const cache = new Map<string, Placeholder | null>();
const MAX_CACHED = 2000;

function bytesOf(base64: string): Uint8Array {
  // The pipeline writes standard base64; accept the URL-safe alphabet too.
  const bin = atob(base64.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The placeholder for a base64 ThumbHash, or null when there is none or it does not decode. */
export function placeholderOf(hash: string | null | undefined): Placeholder | null {
  if (!hash) return null;
  const hit = cache.get(hash);
  if (hit !== undefined) return hit;
  let value: Placeholder | null = null;
  try {
    const bytes = bytesOf(hash);
    // A ThumbHash is at least 5 bytes (header) long; anything shorter is not one.
    if (bytes.length >= 5) {
      const ratio = thumbHashToApproximateAspectRatio(bytes);
      value = { url: thumbHashToDataURL(bytes), ratio: Number.isFinite(ratio) && ratio > 0 ? ratio : 1 };
    }
  } catch {
    value = null;
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(hash, value);
  return value;
}

/** Just the data URL (for a CSS background). */
export function thumbHashToUrl(hash: string | null | undefined): string | null {
  return placeholderOf(hash)?.url ?? null;
}
