/**
 * The justified layout of the timeline, as pure functions: each day is a
 * header followed by rows of thumbnails that keep their aspect ratios and
 * fill the width exactly (the last row of a day keeps the target height
 * instead of being stretched). The output is a flat list of blocks with
 * absolute offsets, which the virtual range (./virtual-range.ts) slices.
 */

export interface LayoutOptions {
  /** Container width in CSS pixels. */
  width: number;
  /** The height rows aim for before being scaled to fill the width. */
  targetHeight: number;
  /** Space between tiles and between rows. */
  gap: number;
  /** Height of a day's header block. */
  headerHeight: number;
}

export interface Tile {
  /** Index of the item in the flat (timeline-ordered) list. */
  index: number;
  left: number;
  width: number;
}

export interface HeaderBlock {
  kind: 'header';
  key: string;
  top: number;
  height: number;
  /** Flat indexes [start, end) of the day's items. */
  start: number;
  end: number;
}

export interface RowBlock {
  kind: 'row';
  key: string;
  top: number;
  height: number;
  tiles: Tile[];
}

export type Block = HeaderBlock | RowBlock;

export interface Layout {
  blocks: Block[];
  height: number;
}

/** Extreme panoramas and slivers are shown cropped to these ratios, so one file cannot take or lose a whole row. */
export const MIN_ASPECT = 0.5;
export const MAX_ASPECT = 3;

/** Width / height of an item, clamped; unknown or broken dimensions count as 4:3. */
export function aspectOf(width: number | null | undefined, height: number | null | undefined, fallback = 4 / 3): number {
  const ratio = width && height && width > 0 && height > 0 ? width / height : fallback;
  if (!Number.isFinite(ratio) || ratio <= 0) return 4 / 3;
  return Math.min(MAX_ASPECT, Math.max(MIN_ASPECT, ratio));
}

/**
 * Rows for a run of items (their aspect ratios), starting at flat index
 * `offset`: items are added to a row until, at the target height, it is at
 * least as wide as the container; the row's height is then scaled so it fills
 * the width exactly. Tile lefts and widths are whole pixels and the last tile
 * of a full row ends exactly at `width`.
 */
export function justifyRows(aspects: readonly number[], o: Pick<LayoutOptions, 'width' | 'targetHeight' | 'gap'>, offset = 0) {
  const rows: { height: number; tiles: Tile[] }[] = [];
  const width = Math.max(1, o.width);
  let start = 0;
  while (start < aspects.length) {
    let sum = 0;
    let end = start;
    // At least one item per row, however wide.
    do {
      sum += aspects[end]!;
      end++;
    } while (end < aspects.length && sum * o.targetHeight + o.gap * (end - start - 1) < width);
    const gaps = o.gap * (end - start - 1);
    const full = sum * o.targetHeight + gaps >= width;
    const height = full ? Math.max(1, (width - gaps) / sum) : o.targetHeight;
    const tiles: Tile[] = [];
    let x = 0;
    for (let i = start; i < end; i++) {
      const left = Math.round(x);
      const right = full && i === end - 1 ? width : Math.round(x + aspects[i]! * height);
      tiles.push({ index: offset + i, left, width: Math.max(1, right - left) });
      x += aspects[i]! * height + o.gap;
    }
    rows.push({ height: Math.round(height), tiles });
    start = end;
  }
  return rows;
}

/** The whole timeline: for each day (in order) a header, then its rows. */
export function layoutTimeline(days: readonly { key: string; aspects: readonly number[] }[], o: LayoutOptions): Layout {
  const blocks: Block[] = [];
  let top = 0;
  let index = 0;
  for (const day of days) {
    blocks.push({ kind: 'header', key: `h:${day.key}`, top, height: o.headerHeight, start: index, end: index + day.aspects.length });
    top += o.headerHeight;
    justifyRows(day.aspects, o, index).forEach((row, r) => {
      blocks.push({ kind: 'row', key: `r:${day.key}:${r}`, top, height: row.height, tiles: row.tiles });
      top += row.height + o.gap;
    });
    index += day.aspects.length;
  }
  return { blocks, height: top };
}
