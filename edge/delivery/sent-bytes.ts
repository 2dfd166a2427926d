/**
 * What an answer sends, as the edge planned it (range.ts, serve-object.ts),
 * and the one rule a download cap counts by. The rule reads the plan, never
 * the Range header: `bytes=-999999999`, `bytes=00-`, `bytes=1-,0-0`, a
 * disjoint list answered with the whole object, or a header that is ignored
 * all come out as "the whole object" or "a range from byte 0", and count.
 */
import type { ByteRange } from './range.ts';

export interface SentBytes {
  /** The object's length. */
  length: number;
  /** The bytes sent, or null for the whole object (a 200). */
  range: ByteRange | null;
}

/**
 * A download starts when the answer carries the first byte: the whole
 * object, or a range from byte 0. Later ranges (a resumed download, a seek)
 * continue one already counted.
 */
export const startsDownload = (sent: SentBytes): boolean => sent.range === null || sent.range.start === 0;
