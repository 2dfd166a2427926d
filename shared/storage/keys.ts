/**
 * Storage key layout. Keys are derived from ids, never from user-supplied
 * names: DESIGN.md's `raw/{assetId}/original` is bucket `raw`, key
 * `{assetId}/original`; derivatives live in bucket `derivatives` under
 * `{assetId}/{variant}` (`w640.webp`, `hls/master.m3u8`, …).
 */
import { isUuid } from '../ids.ts';

/** A variant path: lower-case segments of safe characters, no `..`, no empty segment. */
const VARIANT = /^(?!.*\.\.)[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

/** Asset ids are UUIDs (../ids.ts). */
export const isAssetId = isUuid;

export function isVariantPath(variant: string): boolean {
  return variant.length <= 200 && VARIANT.test(variant);
}

function assertAssetId(id: string): void {
  if (!isAssetId(id)) throw new TypeError(`not an asset id: ${JSON.stringify(id)}`);
}

/** Key of an asset's original in the raw bucket. */
export function originalKey(assetId: string): string {
  assertAssetId(assetId);
  return `${assetId}/original`;
}

/** Key of one derivative file in the derivatives bucket. */
export function derivativeKey(assetId: string, variant: string): string {
  assertAssetId(assetId);
  if (!isVariantPath(variant)) throw new TypeError(`not a variant path: ${JSON.stringify(variant)}`);
  return `${assetId}/${variant}`;
}

/** The asset id an original's key names, or null for any other key. */
export function assetIdFromOriginalKey(key: string): string | null {
  const m = /^([0-9a-f-]{36})\/original$/.exec(key);
  return m?.[1] && isAssetId(m[1]) ? m[1] : null;
}
