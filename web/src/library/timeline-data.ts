/**
 * The timeline's data: pages of `GET /api/assets?order=taken` (newest taken
 * first, keyset cursor), the month buckets of `GET /api/assets/timeline` for
 * the scrubber, and jumping to a month (`takenBefore`: one request). A change
 * of filters or a jump aborts what is in flight and starts again.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import type { Operations } from '../api/schema.gen.ts';
import { usePagedList } from '../components/asset-grid.tsx';
import { startOfNextMonth } from './days.ts';

export type AssetSummary = Schemas['AssetSummary'];
export type TimelineFilters = Omit<NonNullable<Operations['GET /api/assets/timeline']['query']>, never>;
export type Bucket = Schemas['Timeline']['buckets'][number];

/** Rows of ~6 thumbnails: 100 fill a few screens, and 10,000 assets are 100 requests. */
export const PAGE_SIZE = 100;

export interface TimelineData {
  items: AssetSummary[];
  loading: boolean;
  loaded: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore(): void;
  /** The month the list starts at after a jump, null at the newest. */
  from: string | null;
  jump(month: string | null): void;
  buckets: Bucket[] | null;
  total: number | null;
  /** Drops items (after they were moved to the trash). */
  remove(ids: ReadonlySet<string>): void;
  reload(): void;
}

export function useTimeline(filters: TimelineFilters): TimelineData {
  const key = JSON.stringify(filters);
  const [from, setFrom] = useState<string | null>(null);
  const [buckets, setBuckets] = useState<Bucket[] | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [generation, setGeneration] = useState(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  useEffect(() => setFrom(null), [key]);

  // A jump is a new query: the list starts again from the month's first page.
  const list = usePagedList<AssetSummary>(`${key}|${from ?? ''}`, (after, signal) =>
    api('GET /api/assets', {
      query: {
        ...filtersRef.current,
        order: 'taken',
        limit: PAGE_SIZE,
        ...(after ? { cursor: after } : {}),
        ...(from && !after ? { takenBefore: startOfNextMonth(from) } : {}),
      },
      signal,
    }),
  );

  useEffect(() => {
    const c = new AbortController();
    api('GET /api/assets/timeline', { query: filtersRef.current, signal: c.signal })
      .then((t) => {
        setBuckets(t.buckets);
        setTotal(t.total);
      })
      // The scrubber is a convenience: without buckets the timeline still scrolls.
      .catch(() => undefined);
    return () => c.abort();
  }, [key, generation]);

  return {
    items: list.items,
    loading: list.loading,
    loaded: list.loaded,
    error: list.error,
    hasMore: list.hasMore,
    loadMore: list.loadMore,
    from,
    jump: setFrom,
    buckets,
    total,
    remove: (ids) => list.setItems((prev) => prev.filter((i) => !ids.has(i.id))),
    reload: () => {
      list.reload();
      setGeneration((g) => g + 1);
    },
  };
}
