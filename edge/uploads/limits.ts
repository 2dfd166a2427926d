/**
 * The numbers of the upload contract, in one place (docs/architecture.md,
 * "Uploads", explains each choice).
 */

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** The largest original (DESIGN.md: up to 5 GB each); S3's own single-object limit for one PUT. */
export const MAX_UPLOAD_BYTES = 5 * GiB;

/**
 * Above this a file must use multipart. A single request cannot resume: a
 * dropped connection at 95% of 5 GB starts over, while a failed part costs at
 * most one part. 100 MiB is also where a stock Uppy switches to multipart by
 * itself (`shouldUseMultipart` default), so both sides agree with no option set.
 */
export const MULTIPART_THRESHOLD = 100 * MiB;

/** S3's minimum size of every part but the last. */
export const MIN_PART_BYTES = 5 * MiB;
/** S3's maximum number of parts. */
export const MAX_PARTS = 10_000;

const MIN_RECOMMENDED_PART = 8 * MiB;
const MAX_RECOMMENDED_PART = 16 * MiB;
/** Parts a recommended split aims at, at most: 5 GiB / 16 MiB. */
const TARGET_PARTS = 320;

/**
 * The part size the edge recommends for a declared size: 8 MiB up to 2.5 GiB,
 * then whole MiB up to 16 MiB so no upload needs more than 320 parts (5 GiB =
 * 320 × 16 MiB). 8 MiB keeps the per-part signing round trip small next to
 * the bytes; 16 MiB bounds what a retried part re-sends and what each
 * in-flight part holds; 320 part URLs fit well inside the per-client API
 * rate limit (600 requests/min) and far inside S3's 10,000 parts.
 */
export function recommendedPartSize(size: number): number {
  const even = Math.ceil(size / TARGET_PARTS / MiB) * MiB;
  return Math.min(MAX_RECOMMENDED_PART, Math.max(MIN_RECOMMENDED_PART, even));
}

/**
 * The highest part number any valid split of `size` bytes can use: every
 * part but the last is at least 5 MiB. Clients choose their own part size
 * (a stock Uppy uses 5 MiB), so the edge bounds part numbers by S3's minimum,
 * not by its recommendation.
 */
export function maxPartNumber(size: number): number {
  return Math.min(MAX_PARTS, Math.max(1, Math.ceil(size / MIN_PART_BYTES)));
}

/** A presigned single PUT or POST policy is valid this long (seconds). */
export const SIMPLE_URL_TTL = 5 * 60;
/** A presigned part URL is valid this long (seconds). */
export const PART_URL_TTL = 15 * 60;
/** A multipart upload must be completed this long after it started (ms); the sweeper aborts it after. */
export const MULTIPART_TTL_MS = 24 * 60 * 60 * 1000;

/** Hex SHA-256 → the base64 form S3's `x-amz-checksum-sha256` takes. */
export function sha256HexToBase64(hex: string): string {
  let bin = '';
  for (let i = 0; i < 64; i += 2) bin += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(bin);
}
