/**
 * The timeline's pure parts: the justified layout (rows fill the width,
 * keep aspect ratios, every item placed once), the virtual range (only
 * blocks near the viewport; bounded at 10,000 items), the selection model
 * (toggle, shift ranges either way, whole days) and grouping by UTC day.
 */
import { describe, expect, it } from 'vitest';
import { aspectOf, justifyRows, layoutTimeline, MAX_ASPECT, MIN_ASPECT, type RowBlock } from '../../web/src/library/justified-layout.ts';
import { blockAt, visibleRange } from '../../web/src/library/virtual-range.ts';
import { allSelected, clickItem, emptySelection, keepOnly, rangeBetween, toggleGroup } from '../../web/src/library/selection.ts';
import { groupByDay, startOfNextMonth } from '../../web/src/library/days.ts';

const opts = { width: 1000, targetHeight: 200, gap: 4, headerHeight: 40 };

/** A reproducible pseudo-random sequence (no Math.random in tests). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('justified rows', () => {
  it('fills each full row exactly, keeps aspect ratios, and places every item once in order', () => {
    const rand = lcg(7);
    for (const width of [320, 360, 999, 1440]) {
      const aspects = Array.from({ length: 300 }, () => aspectOf(100 + rand() * 4000, 100 + rand() * 4000));
      const rows = justifyRows(aspects, { ...opts, width });
      expect(rows.flatMap((r) => r.tiles.map((t) => t.index))).toEqual(aspects.map((_, i) => i));
      rows.forEach((row, r) => {
        const last = row.tiles[row.tiles.length - 1]!;
        if (r < rows.length - 1) expect(last.left + last.width).toBe(width);
        else expect(last.left + last.width).toBeLessThanOrEqual(width);
        for (let i = 1; i < row.tiles.length; i++) {
          // Tiles neither overlap nor leave more than the gap (plus rounding) between them.
          const gap = row.tiles[i]!.left - (row.tiles[i - 1]!.left + row.tiles[i - 1]!.width);
          expect(gap).toBeGreaterThanOrEqual(opts.gap - 1);
          expect(gap).toBeLessThanOrEqual(opts.gap + 1);
        }
        for (const t of row.tiles.slice(0, -1))
          expect(Math.abs(t.width / row.height - aspects[t.index]!)).toBeLessThan(0.05 + 2 / row.height);
      });
    }
  });

  it('keeps the last row of a day at the target height and puts a single too-wide item alone', () => {
    const rows = justifyRows([1, 1], opts);
    expect(rows).toEqual([
      {
        height: 200,
        tiles: [
          { index: 0, left: 0, width: 200 },
          { index: 1, left: 204, width: 200 },
        ],
      },
    ]);
    const wide = justifyRows([3, 1], { ...opts, width: 300 });
    expect(wide[0]!.tiles).toHaveLength(1);
    expect(wide[0]!.tiles[0]!.width).toBe(300);
  });

  it('clamps unknown, broken and extreme dimensions', () => {
    expect(aspectOf(null, null)).toBeCloseTo(4 / 3);
    expect(aspectOf(0, 100)).toBeCloseTo(4 / 3);
    expect(aspectOf(10_000, 10)).toBe(MAX_ASPECT);
    expect(aspectOf(10, 10_000)).toBe(MIN_ASPECT);
    expect(aspectOf(1920, 1080)).toBeCloseTo(16 / 9);
  });

  it('lays out days as a header followed by rows, offsets increasing without overlap', () => {
    const layout = layoutTimeline(
      [
        { key: '2024-05-02', aspects: [1, 1, 1, 1, 1, 1] },
        { key: '2024-05-01', aspects: [1.5] },
      ],
      opts,
    );
    expect(layout.blocks.map((b) => b.kind)).toEqual(['header', 'row', 'row', 'header', 'row']);
    expect(layout.blocks[0]).toMatchObject({ kind: 'header', top: 0, start: 0, end: 6 });
    expect(layout.blocks[3]).toMatchObject({ kind: 'header', start: 6, end: 7 });
    for (let i = 1; i < layout.blocks.length; i++) {
      const prev = layout.blocks[i - 1]!;
      expect(layout.blocks[i]!.top).toBeGreaterThanOrEqual(prev.top + prev.height);
    }
    expect((layout.blocks[4] as RowBlock).tiles[0]!.index).toBe(6);
    expect(layout.height).toBe(layout.blocks[4]!.top + layout.blocks[4]!.height + opts.gap);
  });
});

describe('the virtual range', () => {
  const rand = lcg(11);
  const days = Array.from({ length: 500 }, (_, d) => ({
    key: `d${d}`,
    aspects: Array.from({ length: 20 }, () => aspectOf(1000 + rand() * 3000, 1000 + rand() * 3000)),
  }));
  const layout = layoutTimeline(days, opts);

  it('holds a bounded number of blocks at any scroll offset of 10,000 items', () => {
    expect(days.reduce((n, d) => n + d.aspects.length, 0)).toBe(10_000);
    let most = 0;
    for (let y = 0; y < layout.height; y += 997) {
      const [a, b] = visibleRange(layout.blocks, y, 800, 400);
      expect(b).toBeGreaterThan(a);
      // Every block in range overlaps the window; its neighbours outside do not.
      for (let i = a; i < b; i++) expect(layout.blocks[i]!.top).toBeLessThan(y + 1200);
      if (a > 0) expect(layout.blocks[a - 1]!.top + layout.blocks[a - 1]!.height).toBeLessThanOrEqual(y - 400);
      if (b < layout.blocks.length) expect(layout.blocks[b]!.top).toBeGreaterThanOrEqual(y + 1200);
      const tiles = layout.blocks.slice(a, b).reduce((n, x) => n + (x.kind === 'row' ? x.tiles.length : 0), 0);
      most = Math.max(most, tiles);
    }
    // 1,600 px of window at >= ~100 px rows of up to ~10 tiles.
    expect(most).toBeLessThan(200);
  });

  it('answers empty and edge offsets', () => {
    expect(visibleRange([], 0, 800, 0)).toEqual([0, 0]);
    expect(visibleRange(layout.blocks, -5000, 100, 0)).toEqual([0, 0]);
    const end = visibleRange(layout.blocks, layout.height + 5000, 100, 0);
    expect(end).toEqual([layout.blocks.length, layout.blocks.length]);
    expect(blockAt(layout.blocks, -1)).toBe(-1);
    expect(blockAt(layout.blocks, 0)).toBe(0);
    expect(blockAt(layout.blocks, layout.blocks[5]!.top + 1)).toBe(5);
  });
});

describe('selection', () => {
  const order = ['a', 'b', 'c', 'd', 'e'];

  it('selects ranges from the anchor in either direction', () => {
    expect(rangeBetween(order, 'b', 'd')).toEqual(['b', 'c', 'd']);
    expect(rangeBetween(order, 'd', 'b')).toEqual(['b', 'c', 'd']);
    expect(rangeBetween(order, null, 'c')).toEqual(['c']);
    expect(rangeBetween(order, 'zz', 'c')).toEqual(['c']);
    expect(rangeBetween(order, 'a', 'zz')).toEqual([]);
  });

  it('toggles with a click and adds a range with shift-click', () => {
    let s = clickItem(emptySelection, 'b', order, false);
    expect([...s.ids]).toEqual(['b']);
    s = clickItem(s, 'e', order, true);
    expect([...s.ids].sort()).toEqual(['b', 'c', 'd', 'e']);
    s = clickItem(s, 'c', order, false);
    expect([...s.ids].sort()).toEqual(['b', 'd', 'e']);
    expect(s.anchor).toBe('c');
    // Shift-click with no anchor just selects the item.
    expect([...clickItem(emptySelection, 'd', order, true).ids]).toEqual(['d']);
  });

  it('selects and clears whole days, and forgets ids no longer shown', () => {
    let s = toggleGroup(emptySelection, ['a', 'b']);
    expect(allSelected(s, ['a', 'b'])).toBe(true);
    s = clickItem(s, 'c', order, false);
    s = toggleGroup(s, ['a', 'b']);
    expect([...s.ids]).toEqual(['c']);
    expect(allSelected(s, [])).toBe(false);
    const kept = keepOnly(clickItem(s, 'd', order, false), new Set(['c']));
    expect([...kept.ids]).toEqual(['c']);
    expect(kept.anchor).toBeNull();
  });
});

describe('days', () => {
  it('groups consecutive items by UTC day and finds the next month for a jump', () => {
    const days = groupByDay([
      { takenAt: '2024-05-02T23:59:59.000Z' },
      { takenAt: '2024-05-02T00:00:00.000Z' },
      { takenAt: '2024-05-01T12:00:00.000Z' },
      { takenAt: '2023-12-31T12:00:00.000Z' },
    ]);
    expect(days.map((d) => [d.key, d.month, d.items.length])).toEqual([
      ['2024-05-02', '2024-05', 2],
      ['2024-05-01', '2024-05', 1],
      ['2023-12-31', '2023-12', 1],
    ]);
    expect(startOfNextMonth('2024-05')).toBe('2024-06-01T00:00:00.000Z');
    expect(startOfNextMonth('2023-12')).toBe('2024-01-01T00:00:00.000Z');
  });
});
