/**
 * The timeline: days of justified thumbnails, newest first, virtualized —
 * only the blocks (day headers and rows) near the viewport are in the DOM,
 * absolutely placed in a box as tall as the whole layout. The page scrolls
 * the window; a bar at the top names the day under it (the "sticky"
 * header). Thumbnails stay links to /assets/:id; a plain click opens the
 * viewer, or toggles the item while selecting.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Thumb, titleOf } from '../components/asset-grid.tsx';
import { placeholderOf } from '../components/placeholder.ts';
import { openViewer } from '../viewer/open-viewer.ts';
import { dayLabel, groupByDay } from './days.ts';
import { aspectOf, layoutTimeline, type Block } from './justified-layout.ts';
import { allSelected, type Selection } from './selection.ts';
import type { AssetSummary, TimelineData } from './timeline-data.ts';
import { blockAt, visibleRange } from './virtual-range.ts';

const GAP = 4;
const HEADER = 44;
const OVERSCAN = 600;
/** Long enough to tell a hold from a tap; a moved finger is a scroll. */
const HOLD_MS = 450;

const targetHeight = (width: number) => (width < 480 ? 110 : width < 900 ? 160 : 200);

export interface TimelineProps {
  data: TimelineData;
  selection: Selection;
  onItem(id: string, shift: boolean): void;
  onDay(ids: string[]): void;
}

/**
 * The window's scroll offset into `el` and the viewport height, updated once
 * per frame on scroll and resize, and when `content` changes (what is above
 * the timeline may have moved it: the scrubber arriving, a notice).
 */
function useViewport(el: { current: HTMLElement | null }, content: unknown) {
  const remeasure = useRef<() => void>(() => {});
  // `content` is the trigger, not an input.
  useEffect(() => remeasure.current(), [content]);
  const [view, setView] = useState({ top: 0, height: typeof window === 'undefined' ? 800 : window.innerHeight, cover: 0 });
  useEffect(() => {
    let frame = 0;
    const measure = () => {
      frame = 0;
      const box = el.current?.getBoundingClientRect();
      // The app's top bar is sticky on wide screens: the day bar sits under it.
      const bar = document.querySelector('.topbar');
      const cover = bar && getComputedStyle(bar).position === 'sticky' ? Math.round(bar.getBoundingClientRect().height) : 0;
      if (box)
        setView((v) =>
          v.top === -box.top && v.height === window.innerHeight && v.cover === cover
            ? v
            : { top: -box.top, height: window.innerHeight, cover },
        );
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(measure);
    };
    measure();
    remeasure.current = schedule;
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [el]);
  return view;
}

function useWidth(el: { current: HTMLElement | null }) {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const node = el.current;
    if (!node) return;
    setWidth(node.clientWidth);
    if (typeof ResizeObserver !== 'function') return;
    const ro = new ResizeObserver(() => setWidth(node.clientWidth));
    ro.observe(node);
    return () => ro.disconnect();
  }, [el]);
  return width;
}

export function Timeline({ data, selection, onItem, onDay }: TimelineProps) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const { items } = data;
  const view = useViewport(box, `${items.length}:${data.buckets?.length ?? 0}:${data.from}`);
  const days = useMemo(() => groupByDay(items), [items]);
  const order = useMemo(() => items.map((i) => i.id), [items]);
  const layout = useMemo(
    () =>
      layoutTimeline(
        days.map((d) => ({
          key: d.key,
          aspects: d.items.map((i) => aspectOf(i.width, i.height, placeholderOf(i.placeholder)?.ratio)),
        })),
        { width, targetHeight: targetHeight(width), gap: GAP, headerHeight: HEADER },
      ),
    [days, width],
  );
  const [first, end] = visibleRange(layout.blocks, view.top, view.height, OVERSCAN);
  const shown = layout.blocks.slice(first, end);
  const selecting = selection.ids.size > 0;

  // Near the end of what is loaded: ask for the next page.
  useEffect(() => {
    if (data.hasMore && !data.loading && !data.error && end >= layout.blocks.length - 3) data.loadMore();
  }, [end, layout.blocks.length, data.hasMore, data.loading, data.error, data.loadMore]);

  // The day under the top of the viewport, for the sticky bar.
  const at = blockAt(layout.blocks, Math.max(0, view.top + view.cover + HEADER));
  let current: string | null = null;
  for (let i = at; i >= 0; i--) {
    const b = layout.blocks[i]!;
    if (b.kind === 'header') {
      current = b.key.slice(2);
      break;
    }
  }

  const dayIds = (b: Extract<Block, { kind: 'header' }>) => order.slice(b.start, b.end);

  return (
    <div class="timeline" data-selecting={selecting ? 'true' : undefined}>
      <div
        class="tl-sticky"
        aria-hidden="true"
        style={{ top: `${view.cover}px` }}
        data-hidden={view.top + view.cover <= 0 || !current ? 'true' : undefined}
      >
        {current ? dayLabel(current) : ''}
      </div>
      <div
        ref={box}
        class="tl-canvas asset-grid"
        style={{ height: `${layout.height}px` }}
        role="list"
        aria-label="Timeline"
        data-loaded={items.length}
        data-more={data.hasMore ? 'true' : undefined}
      >
        {width > 0
          ? shown.map((b) =>
              b.kind === 'header' ? (
                <div key={b.key} class="tl-day" role="listitem" style={{ top: `${b.top}px`, height: `${b.height}px` }}>
                  <input
                    type="checkbox"
                    class="tl-check tl-day-check"
                    aria-label={`Select all of ${dayLabel(b.key.slice(2))}`}
                    checked={allSelected(selection, dayIds(b))}
                    onChange={() => onDay(dayIds(b))}
                  />
                  <h2 class="tl-day-label">{dayLabel(b.key.slice(2))}</h2>
                </div>
              ) : (
                <div key={b.key} class="tl-row" role="listitem" style={{ top: `${b.top}px`, height: `${b.height}px` }}>
                  {b.tiles.map((t) => (
                    <Tile
                      key={items[t.index]!.id}
                      item={items[t.index]!}
                      left={t.left}
                      width={t.width}
                      selected={selection.ids.has(items[t.index]!.id)}
                      selecting={selecting}
                      onSelect={onItem}
                      onOpen={(id) => openViewer(id, { ids: order, source: { kind: 'library' } })}
                    />
                  ))}
                </div>
              ),
            )
          : null}
      </div>
    </div>
  );
}

interface TileProps {
  item: AssetSummary;
  left: number;
  width: number;
  selected: boolean;
  selecting: boolean;
  onSelect(id: string, shift: boolean): void;
  onOpen(id: string): void;
}

function Tile({ item, left, width, selected, selecting, onSelect, onOpen }: TileProps) {
  const hold = useRef<{ timer: number; x: number; y: number; fired: boolean } | null>(null);
  const title = titleOf(item);
  const cancelHold = () => {
    if (hold.current) clearTimeout(hold.current.timer);
  };
  return (
    <div
      class="tl-tile"
      data-asset-id={item.id}
      data-selected={selected ? 'true' : undefined}
      style={{ left: `${left}px`, width: `${width}px` }}
    >
      <a
        class="tl-link"
        href={`/assets/${encodeURIComponent(item.id)}`}
        title={title}
        onPointerDown={(e) => {
          if (e.pointerType === 'mouse') return;
          hold.current = {
            x: e.clientX,
            y: e.clientY,
            fired: false,
            timer: window.setTimeout(() => {
              if (hold.current) hold.current.fired = true;
              onSelect(item.id, false);
            }, HOLD_MS),
          };
        }}
        onPointerMove={(e) => {
          const h = hold.current;
          if (h && Math.hypot(e.clientX - h.x, e.clientY - h.y) > 10) cancelHold();
        }}
        onPointerUp={cancelHold}
        onPointerCancel={cancelHold}
        onContextMenu={(e) => {
          // A long press on touch screens opens the context menu: it selected instead.
          if (hold.current?.fired) e.preventDefault();
        }}
        onClick={(e) => {
          if (hold.current?.fired) {
            hold.current = null;
            e.preventDefault();
            return;
          }
          // New tab, new window, download: the browser's, as for any link.
          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.altKey) return;
          e.preventDefault();
          if (selecting || e.shiftKey) onSelect(item.id, e.shiftKey);
          else onOpen(item.id);
        }}
      >
        <Thumb item={item} />
        {/* The name comes from the content, so a tile showing its type ("Image") while its thumbnail is
            not there yet still says what is visible (axe: label-content-name-mismatch). */}
        <span class="visually-hidden">{title}</span>
      </a>
      <input
        type="checkbox"
        class="tl-check tl-item-check"
        aria-label={`Select ${title}`}
        checked={selected}
        onClick={(e) => {
          e.preventDefault();
          onSelect(item.id, e.shiftKey);
        }}
      />
    </div>
  );
}
