/**
 * The library (`/`): the assets the caller may see as a timeline — days of
 * justified thumbnails by date taken, newest first, virtualized, with a
 * month scrubber, selection and bulk actions (web/src/library/). Filters —
 * whose assets (scope), type, status and tag — live in the URL query, so a
 * filtered view can be bookmarked, shared and restored with Back.
 * `?layout=grid` shows the earlier flat grid by upload date (kept for
 * comparison: bench/library-timeline.ts measures both).
 */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import type { Operations } from '../api/schema.gen.ts';
import { AssetGrid, ASSET_STATUSES, ASSET_TYPES, LoadMore, STATUS_LABELS, TYPE_LABELS, usePagedList } from '../components/asset-grid.tsx';
import { Empty, ErrorBanner, Spinner } from '../components/status.tsx';
import { setQuery } from '../router.ts';
import { Scrubber } from '../library/scrubber.tsx';
import { SelectionBar } from '../library/selection-bar.tsx';
import { clickItem, emptySelection, keepOnly, toggleGroup, type Selection } from '../library/selection.ts';
import { Timeline } from '../library/timeline.tsx';
import { useTimeline } from '../library/timeline-data.ts';
import '../styles/timeline.css';

type Props = { params: Record<string, string>; query: URLSearchParams };
type ListQuery = Operations['GET /api/assets']['query'];
type Scope = NonNullable<ListQuery['scope']>;

const SCOPES: readonly { value: Scope; label: string }[] = [
  { value: 'mine', label: 'My assets' },
  { value: 'shared', label: 'Shared with me' },
  { value: 'all', label: 'All I can see' },
];

const PAGE_SIZE = 48;

/** A query value if it is one of `allowed` (a hand-edited URL must not make the API answer 400). */
function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

export function filtersOf(query: URLSearchParams) {
  return {
    scope:
      oneOf(
        query.get('scope'),
        SCOPES.map((s) => s.value),
      ) ?? 'mine',
    type: oneOf(query.get('type'), ASSET_TYPES),
    status: oneOf(query.get('status'), ASSET_STATUSES),
    tag: query.get('tag')?.trim() || undefined,
  };
}

/** The caller's tags, for the tag filter (the first 100 are plenty for a select). */
function useTags(): Schemas['Tag'][] {
  const [tags, setTags] = useState<Schemas['Tag'][]>([]);
  useEffect(() => {
    const ctl = new AbortController();
    api('GET /api/tags', { query: { limit: 100 }, signal: ctl.signal })
      .then((page) => setTags(page.items))
      // The filter simply offers no tags; the list itself reports errors.
      .catch(() => undefined);
    return () => ctl.abort();
  }, []);
  return tags;
}

export function LibraryPage(props: Props) {
  return props.query.get('layout') === 'grid' ? <GridLibrary {...props} /> : <TimelineLibrary {...props} />;
}

/** One labelled filter select. */
function FilterSelect(p: {
  id: string;
  label: string;
  value: string;
  onChange: (e: Event) => void;
  options: readonly { value: string; label: string }[];
}) {
  return (
    <div>
      <label for={p.id}>{p.label}</label>
      <select id={p.id} value={p.value} onChange={p.onChange}>
        {p.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function FilterForm({ filters, tags, filtered }: { filters: ReturnType<typeof filtersOf>; tags: Schemas['Tag'][]; filtered: boolean }) {
  const tagNames = tags.map((t) => t.name);
  if (filters.tag && !tagNames.includes(filters.tag)) tagNames.unshift(filters.tag);
  const change = (name: string) => (e: Event) => {
    const value = (e.currentTarget as HTMLSelectElement).value;
    setQuery({ [name]: name === 'scope' && value === 'mine' ? undefined : value });
  };
  return (
    <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <FilterSelect id="filter-scope" label="Show" value={filters.scope} onChange={change('scope')} options={SCOPES} />
      <FilterSelect
        id="filter-type"
        label="Type"
        value={filters.type ?? ''}
        onChange={change('type')}
        options={[{ value: '', label: 'Any type' }, ...ASSET_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] }))]}
      />
      <FilterSelect
        id="filter-status"
        label="Status"
        value={filters.status ?? ''}
        onChange={change('status')}
        options={[{ value: '', label: 'Any status' }, ...ASSET_STATUSES.map((st) => ({ value: st, label: STATUS_LABELS[st] }))]}
      />
      <FilterSelect
        id="filter-tag"
        label="Tag"
        value={filters.tag ?? ''}
        onChange={change('tag')}
        options={[{ value: '', label: 'Any tag' }, ...tagNames.map((t) => ({ value: t, label: t }))]}
      />
      {filtered ? (
        <button
          type="button"
          class="secondary clear-filters"
          onClick={() => setQuery({ type: undefined, status: undefined, tag: undefined })}
        >
          Clear filters
        </button>
      ) : null}
    </form>
  );
}

function TimelineLibrary({ query }: Props) {
  const filters = filtersOf(query);
  const tags = useTags();
  const data = useTimeline(filters);
  const [selection, setSelection] = useState<Selection>(emptySelection);
  const filtered = filters.type !== undefined || filters.status !== undefined || filters.tag !== undefined;
  const order = useMemo(() => data.items.map((i) => i.id), [data.items]);
  const byId = useMemo(() => new Map(data.items.map((i) => [i.id, i])), [data.items]);
  const selectedIds = useMemo(() => order.filter((id) => selection.ids.has(id)), [order, selection]);
  // The bar stays after its items left (trashed: its report and Undo) until closed.
  const [barOpen, setBarOpen] = useState(false);
  useEffect(() => {
    if (selectedIds.length > 0) setBarOpen(true);
  }, [selectedIds.length]);

  // What is no longer shown cannot stay selected (a filter change, items trashed).
  useEffect(() => setSelection((s) => keepOnly(s, new Set(order))), [order]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // The viewer, when open, handles its own Escape.
      if (e.key === 'Escape' && !new URLSearchParams(location.search).has('view')) setSelection(emptySelection);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  const onItem = useCallback((id: string, shift: boolean) => setSelection((s) => clickItem(s, id, order, shift)), [order]);
  const onDay = useCallback((ids: string[]) => setSelection((s) => toggleGroup(s, ids)), []);

  return (
    <section class="library library-timeline" aria-labelledby="library-title">
      <div class="page-head">
        <h1 id="library-title">Library</h1>
        <a class="button" href="/upload">
          Upload files
        </a>
      </div>
      <FilterForm filters={filters} tags={tags} filtered={filtered} />
      <p class="visually-hidden" role="status" aria-live="polite">
        {data.loaded ? `${data.total ?? data.items.length} ${(data.total ?? data.items.length) === 1 ? 'asset' : 'assets'}` : ''}
      </p>
      {data.buckets && data.buckets.length > 1 ? <Scrubber buckets={data.buckets} from={data.from} onJump={data.jump} /> : null}
      {data.from ? (
        <p class="tl-jumped">
          Showing from the month you picked.{' '}
          <button type="button" class="link" onClick={() => data.jump(null)}>
            Back to the newest
          </button>
        </p>
      ) : null}
      {!data.loaded && data.loading ? <Spinner label="Loading the library" /> : null}
      {data.error && !data.items.length ? <ErrorBanner error={data.error} /> : null}
      {data.loaded && data.items.length === 0 ? (
        filtered || filters.scope !== 'mine' ? (
          <Empty>
            Nothing matches these filters.{' '}
            {filtered ? (
              <button type="button" class="link" onClick={() => setQuery({ type: undefined, status: undefined, tag: undefined })}>
                Clear filters
              </button>
            ) : (
              'Nothing has been shared with you yet.'
            )}
          </Empty>
        ) : (
          <div class="empty empty-library">
            <p>Your library is empty.</p>
            <p>Drop photos and videos anywhere on this page, or</p>
            <p>
              <a class="button" href="/upload">
                Upload your first files
              </a>
            </p>
          </div>
        )
      ) : null}
      {data.items.length > 0 ? <Timeline data={data} selection={selection} onItem={onItem} onDay={onDay} /> : null}
      {data.error && data.items.length ? (
        <ErrorBanner error={data.error}>
          <button type="button" class="secondary" onClick={data.loadMore}>
            Try again
          </button>
        </ErrorBanner>
      ) : null}
      {data.loading && data.loaded ? <Spinner label="Loading more" /> : null}
      {barOpen ? (
        <SelectionBar
          ids={selectedIds}
          titleOf={(id) => {
            const item = byId.get(id);
            return item ? item.title?.trim() || item.filename : id;
          }}
          onClear={() => {
            setSelection(emptySelection);
            setBarOpen(false);
          }}
          onTrashed={(ids) => data.remove(new Set(ids))}
          onRestored={data.reload}
        />
      ) : null}
    </section>
  );
}

function GridLibrary({ query }: Props) {
  const filters = filtersOf(query);
  const key = JSON.stringify(filters);
  const tags = useTags();
  const list = usePagedList(key, (cursor, signal) =>
    api('GET /api/assets', {
      query: { ...filters, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) },
      signal,
    }),
  );
  const filtered = filters.type !== undefined || filters.status !== undefined || filters.tag !== undefined;
  return (
    <section class="library" aria-labelledby="library-title">
      <div class="page-head">
        <h1 id="library-title">Library</h1>
        <a class="button" href="/upload">
          Upload files
        </a>
      </div>

      <FilterForm filters={filters} tags={tags} filtered={filtered} />

      <p class="visually-hidden" role="status" aria-live="polite">
        {list.loaded ? `${list.items.length}${list.hasMore ? '+' : ''} ${list.items.length === 1 ? 'asset' : 'assets'} shown` : ''}
      </p>

      {!list.loaded && list.loading ? <Spinner label="Loading the library" /> : null}
      {list.loaded && list.items.length === 0 ? (
        filtered || filters.scope !== 'mine' ? (
          <Empty>
            Nothing matches these filters.{' '}
            {filtered ? (
              <button type="button" class="link" onClick={() => setQuery({ type: undefined, status: undefined, tag: undefined })}>
                Clear filters
              </button>
            ) : null}
          </Empty>
        ) : (
          <div class="empty empty-library">
            <p>Your library is empty.</p>
            <p>
              <a class="button" href="/upload">
                Upload your first files
              </a>
            </p>
          </div>
        )
      ) : null}
      {list.items.length > 0 ? <AssetGrid items={list.items} label="Library" /> : null}
      <LoadMore list={list} label="Load more assets" />
    </section>
  );
}
