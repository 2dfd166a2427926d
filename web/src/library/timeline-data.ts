/**
 * The timeline's data: pages of `GET /api/assets?order=taken` (newest taken
 * first, keyset cursor), the month buckets of `GET /api/assets/timeline` for
 * the scrubber, and jumping to a month (`takenBefore`: one request). A change
 * of filters or a jump aborts what is in flight and starts again.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import type { Operations } from '../api/schema.gen.ts';
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
  const [items, setItems] = useState<AssetSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [buckets, setBuckets] = useState<Bucket[] | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [generation, setGeneration] = useState(0);
  const ctl = useRef<AbortController | null>(null);
  const busy = useRef(false);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;

  const run = useCallback(async (c: AbortController, after: string | undefined, month: string | null) => {
    busy.current = true;
    setLoading(true);
    setError(null);
    try {
      const page = await api('GET /api/assets', {
        query: {
          ...filtersRef.current,
          order: 'taken',
          limit: PAGE_SIZE,
          ...(after ? { cursor: after } : {}),
          ...(month && !after ? { takenBefore: startOfNextMonth(month) } : {}),
        },
        signal: c.signal,
      });
      if (c.signal.aborted) return;
      setItems((prev) => {
        if (!after) return page.items;
        const seen = new Set(prev.map((i) => i.id));
        return [...prev, ...page.items.filter((i) => !seen.has(i.id))];
      });
      setCursor(page.nextCursor);
      setLoaded(true);
    } catch (err) {
      if (c.signal.aborted || (err instanceof Error && err.name === 'AbortError')) return;
      setError(err);
    } finally {
      if (ctl.current === c) {
        busy.current = false;
        setLoading(false);
      }
    }
  }, []);

  useEffect(() => {
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setItems([]);
    setCursor(null);
    setLoaded(false);
    void run(c, undefined, from);
    return () => c.abort();
  }, [key, from, generation, run]);

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

  // A new filter starts at the newest again.
  useEffect(() => setFrom(null), [key]);

  const loadMore = useCallback(() => {
    const c = ctl.current;
    if (!c || c.signal.aborted || busy.current || !cursor) return;
    void run(c, cursor, from);
  }, [cursor, from, run]);

  return {
    items,
    loading,
    loaded,
    error,
    hasMore: cursor !== null,
    loadMore,
    from,
    jump: setFrom,
    buckets,
    total,
    remove: (ids) => setItems((prev) => prev.filter((i) => !ids.has(i.id))),
    reload: () => setGeneration((g) => g + 1),
  };
}
