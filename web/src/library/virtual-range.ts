/**
 * Which blocks of a layout to put in the DOM: those overlapping the viewport
 * plus `overscan` pixels above and below. Blocks are sorted by `top` and do
 * not overlap, so two binary searches find the range; the DOM then holds a
 * bounded number of nodes however long the timeline is.
 */

export interface Positioned {
  top: number;
  height: number;
}

/** [first, end) of the blocks overlapping [scrollTop - overscan, scrollTop + viewport + overscan). */
export function visibleRange(blocks: readonly Positioned[], scrollTop: number, viewport: number, overscan: number): [number, number] {
  const from = scrollTop - overscan;
  const to = scrollTop + viewport + overscan;
  // First block whose bottom is below `from`.
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const b = blocks[mid]!;
    if (b.top + b.height <= from) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  // First block whose top is at or below `to`.
  hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (blocks[mid]!.top < to) lo = mid + 1;
    else hi = mid;
  }
  return [first, Math.max(first, lo)];
}

/** The index of the block at offset `y` (the last one starting at or above it), or -1 before the first. */
export function blockAt(blocks: readonly Positioned[], y: number): number {
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (blocks[mid]!.top <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
