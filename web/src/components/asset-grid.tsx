/**
 * The asset grid shared by the library, search, trash (and any page listing
 * assets): a responsive list of cards, each a thumbnail (ThumbHash
 * placeholder painted until the signed image loads; a type icon when there is
 * no thumbnail), the title or file name, and a badge when the asset is not
 * ready. Also the paging pieces these lists share: `usePagedList` (cursor
 * pages, aborting the in-flight request when its key changes) and `LoadMore`
 * (infinite scroll on an IntersectionObserver sentinel, with a visible
 * button for keyboards and browsers without the observer).
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { ErrorBanner } from './status.tsx';
import { placeholderOf } from './placeholder.ts';
import { openViewer, type ViewerSequence } from '../viewer/open-viewer.ts';
import '../styles/library.css';

export type AssetSummary = Schemas['AssetSummary'];
export type AssetType = AssetSummary['type'];
export type AssetStatus = AssetSummary['status'];

export const ASSET_TYPES: readonly AssetType[] = ['image', 'video', 'audio', 'document', 'other'];
export const ASSET_STATUSES: readonly AssetStatus[] = ['pending', 'uploaded', 'processing', 'ready', 'failed', 'blocked'];

export const TYPE_LABELS: Record<AssetType, string> = {
  image: 'Image',
  video: 'Video',
  audio: 'Audio',
  document: 'Document',
  other: 'Other file',
};

export const STATUS_LABELS: Record<AssetStatus, string> = {
  pending: 'Uploading',
  uploaded: 'Uploaded',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
  blocked: 'Blocked',
};

/** The width thumbnails are made at (the API's list thumbnail is the w320 variant). */
const THUMB_WIDTH = 320;

/** Small line icons per type (decorative: the type is also written out). */
const ICON_PATHS: Record<AssetType, string> = {
  image: 'M4 5h16v14H4z M4 16l5-5 4 4 3-3 4 4 M15.5 9.5a1.5 1.5 0 1 0 0-.01',
  video: 'M3 6h13v12H3z M16 10l5-3v10l-5-3',
  audio: 'M9 18V6l11-2v12 M9 18a3 3 0 1 1-6 0 3 3 0 0 1 6 0z M20 16a3 3 0 1 1-6 0 3 3 0 0 1 6 0z',
  document: 'M6 3h8l4 4v14H6z M14 3v4h4 M9 12h6 M9 16h6',
  other: 'M6 3h8l4 4v14H6z M14 3v4h4',
};

export function TypeIcon({ type }: { type: AssetType }) {
  return (
    <svg class="type-icon" viewBox="0 0 24 24" width="40" height="40" aria-hidden="true" focusable="false">
      <path
        d={ICON_PATHS[type] ?? ICON_PATHS.other}
        fill="none"
        stroke="currentColor"
        stroke-width="1.5"
        stroke-linejoin="round"
        stroke-linecap="round"
      />
    </svg>
  );
}

export function StatusBadge({ status }: { status: AssetStatus }) {
  if (status === 'ready') return null;
  return <span class={`status-badge status-${status}`}>{STATUS_LABELS[status] ?? status}</span>;
}

/** The thumbnail, over its ThumbHash placeholder until it has loaded; the type icon without one. */
export function Thumb({ item }: { item: AssetSummary }) {
  // A blocked asset's files are never served; its placeholder is not shown either.
  const ph = item.status === 'blocked' ? null : placeholderOf(item.placeholder);
  const [fresh, setFresh] = useState<string | null>(null);
  const src = fresh ?? item.thumbnail?.url ?? null;
  const [state, setState] = useState<'loading' | 'loaded' | 'error'>('loading');
  const img = useRef<HTMLImageElement>(null);
  const renewed = useRef(false);
  /**
   * Signed URLs live 10-15 minutes; a lazy image first loaded after that (a
   * page left open, then scrolled) fails. Ask for the asset once for a fresh
   * URL of the same variant before giving up on the image.
   */
  const onError = () => {
    const thumb = item.thumbnail;
    if (renewed.current || !thumb || Date.parse(thumb.expiresAt) > Date.now() + 30_000) return setState('error');
    renewed.current = true;
    api('GET /api/assets/{id}', { path: { id: item.id } })
      .then((a) => {
        const url = a.media.find((m) => m.variant === thumb.variant)?.url;
        if (url) setFresh(url);
        else setState('error');
      })
      .catch(() => setState('error'));
  };
  useEffect(() => {
    setState('loading');
    // Cached images may have loaded before the handler was attached.
    if (img.current?.complete && img.current.naturalWidth > 0) setState('loaded');
  }, [src]);
  const showImage = src && state !== 'error';
  const width = THUMB_WIDTH;
  const height = Math.round(THUMB_WIDTH / (ph?.ratio ?? 4 / 3));
  return (
    <div
      class="thumb"
      data-state={showImage ? state : 'none'}
      data-placeholder={ph ? 'thumbhash' : undefined}
      data-variant={showImage ? item.thumbnail?.variant : undefined}
      style={ph && state !== 'loaded' ? { backgroundImage: `url("${ph.url}")` } : undefined}
    >
      {showImage ? (
        <img
          ref={img}
          src={src}
          alt=""
          loading="lazy"
          decoding="async"
          width={width}
          height={height}
          onLoad={() => setState('loaded')}
          onError={onError}
        />
      ) : (
        <span class="thumb-type">
          <TypeIcon type={item.type} />
          <span>{TYPE_LABELS[item.type] ?? item.type}</span>
        </span>
      )}
    </div>
  );
}

export interface AssetGridProps<T extends AssetSummary> {
  items: readonly T[];
  /** Controls under each card (outside its link), e.g. a Restore button. */
  actions?: (item: T) => ComponentChildren;
  /** Extra lines under the title, e.g. dates. */
  details?: (item: T) => ComponentChildren;
  /** Where a card links to; null for no link. Default `/assets/:id`. */
  href?: (item: T) => string | null;
  /** The list's accessible name. */
  label?: string;
  /**
   * A plain click on a card opens the viewer (its page stays the link's
   * target for new tabs and modified clicks); null for pages whose cards
   * must not open it (the trash). Default: the signed-in library source.
   */
  viewer?: ViewerSequence['source'] | null;
}

export const titleOf = (item: AssetSummary) => item.title?.trim() || item.filename;

/** A click the browser should handle itself (new tab or window, download). */
const modified = (e: MouseEvent) => e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey;

export function AssetGrid<T extends AssetSummary>({
  items,
  actions,
  details,
  href,
  label = 'Assets',
  viewer = { kind: 'library' },
}: AssetGridProps<T>) {
  const open = (e: MouseEvent, id: string) => {
    if (!viewer || modified(e)) return;
    e.preventDefault();
    openViewer(id, { ids: items.map((i) => i.id), source: viewer });
  };
  return (
    <ul class="asset-grid" aria-label={label}>
      {items.map((item) => {
        const to = href ? href(item) : `/assets/${encodeURIComponent(item.id)}`;
        const title = titleOf(item);
        const body = (
          <>
            <Thumb item={item} />
            <span class="asset-card-title" title={title}>
              {title}
            </span>
          </>
        );
        return (
          <li class="asset-card" key={item.id} data-asset-id={item.id}>
            {to ? (
              <a class="asset-card-link" href={to} onClick={(e) => open(e, item.id)}>
                {body}
              </a>
            ) : (
              <div class="asset-card-link">{body}</div>
            )}
            <div class="asset-card-meta">
              <span class="muted small">{TYPE_LABELS[item.type] ?? item.type}</span>
              <StatusBadge status={item.status} />
            </div>
            {details ? <div class="asset-card-details small">{details(item)}</div> : null}
            {actions ? <div class="asset-card-actions">{actions(item)}</div> : null}
          </li>
        );
      })}
    </ul>
  );
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PagedList<T> {
  items: T[];
  /** Loading the first page or the next one. */
  loading: boolean;
  /** The first page has arrived (an empty list is then really empty). */
  loaded: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore(): void;
  /** Loads from the first page again. */
  reload(): void;
  /** Replaces the items in place (e.g. to drop a restored one). */
  setItems(fn: (items: T[]) => T[]): void;
}

/**
 * A cursor-paged list. `key` names the query: when it changes the request in
 * flight is aborted and the list starts again from the first page.
 */
export function usePagedList<T>(
  key: string,
  fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
): PagedList<T> {
  const [items, setItemsState] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const controller = useRef<AbortController | null>(null);
  const busy = useRef(false);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const run = useCallback(async (ctl: AbortController, after: string | undefined) => {
    busy.current = true;
    setLoading(true);
    setError(null);
    try {
      const page = await fetchRef.current(after, ctl.signal);
      if (ctl.signal.aborted) return;
      setItemsState((prev) => {
        if (!after) return page.items;
        // A page boundary that moved (an item added or removed meanwhile) must not duplicate cards.
        const seen = new Set(prev.map((i) => (i as { id?: string }).id));
        return [...prev, ...page.items.filter((i) => !seen.has((i as { id?: string }).id))];
      });
      setCursor(page.nextCursor);
      setLoaded(true);
    } catch (err) {
      if (ctl.signal.aborted || (err instanceof Error && err.name === 'AbortError')) return;
      setError(err);
    } finally {
      if (controller.current === ctl) {
        busy.current = false;
        setLoading(false);
      }
    }
  }, []);

  useEffect(() => {
    controller.current?.abort();
    const ctl = new AbortController();
    controller.current = ctl;
    setItemsState([]);
    setCursor(null);
    setLoaded(false);
    void run(ctl, undefined);
    return () => ctl.abort();
  }, [key, generation, run]);

  const loadMore = useCallback(() => {
    const ctl = controller.current;
    if (!ctl || ctl.signal.aborted || busy.current || !cursor) return;
    void run(ctl, cursor);
  }, [cursor, run]);

  return {
    items,
    loading,
    loaded,
    error,
    hasMore: cursor !== null,
    loadMore,
    reload: () => setGeneration((g) => g + 1),
    setItems: (fn) => setItemsState(fn),
  };
}

/**
 * The end of a paged list: a sentinel that loads the next page when it
 * scrolls into view, and a "Load more" button that does the same by hand.
 */
export function LoadMore({ list, label = 'Load more' }: { list: PagedList<unknown>; label?: string }) {
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasMore, loading, error, loadMore, items } = list;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore || loading || error || typeof IntersectionObserver !== 'function') return;
    // A new observer per page: its first callback reports whether the sentinel is still in view.
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) loadMore();
      },
      { rootMargin: '400px 0px' },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, loading, error, loadMore, items.length]);

  return (
    <div class="load-more">
      <div ref={sentinel} class="load-more-sentinel" aria-hidden="true" />
      {error ? (
        <ErrorBanner error={error}>
          <button type="button" class="secondary" onClick={() => (items.length ? loadMore() : list.reload())}>
            Try again
          </button>
        </ErrorBanner>
      ) : null}
      {hasMore && !error ? (
        <button type="button" class="secondary" onClick={loadMore} disabled={loading} aria-busy={loading}>
          {loading ? 'Loading…' : label}
        </button>
      ) : null}
    </div>
  );
}
