/**
 * Part lengths of an upload through a link. The split is fixed (the
 * upload's `partSize`, 5 MiB: what a stock Uppy sends for any file up to
 * 48 GiB), so the edge knows the exact length of every part and signs it
 * into the part URL: S3 refuses a part of any other length
 * (SignatureDoesNotMatch), and the bytes a link's holders can store are
 * bounded by the sizes the link reserved, not by what a client says later.
 */

/** The exact length of part `n` of an upload of `size` bytes in parts of `partSize`, or null when there is no such part. */
export function dropPartLength(size: number, partSize: number, n: number): number | null {
  const count = Math.ceil(size / partSize);
  if (!Number.isInteger(n) || n < 1 || n > count) return null;
  return Math.min(partSize, size - (n - 1) * partSize);
}
