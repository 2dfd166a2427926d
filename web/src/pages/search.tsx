/**
 * Search (`/search?q=`): ranked full-text results over everything the caller
 * may see (file names, titles, descriptions, tags, metadata), best first, in
 * the library's grid with the same paging. The header's search box leads
 * here; the page has its own box as well (useful on narrow screens).
 */
import { api } from '../api/client.ts';
import { AssetGrid, LoadMore, usePagedList } from '../components/asset-grid.tsx';
import { Empty, Spinner } from '../components/status.tsx';
import { navigate } from '../router.ts';

type Props = { params: Record<string, string>; query: URLSearchParams };

const PAGE_SIZE = 48;
/** The edge's limit on a query's length. */
const MAX_QUERY = 200;

export function SearchPage({ query }: Props) {
  const q = (query.get('q') ?? '').trim().slice(0, MAX_QUERY);
  const list = usePagedList(q, async (cursor, signal) => {
    if (!q) return { items: [], nextCursor: null };
    return api('GET /api/search', { query: { q, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }, signal });
  });

  return (
    <section class="search-page" aria-labelledby="search-title">
      <h1 id="search-title">{q ? <>Results for “{q}”</> : 'Search'}</h1>
      <form
        class="inline page-search"
        role="search"
        aria-label="Search the library"
        onSubmit={(e) => {
          e.preventDefault();
          const next = new FormData(e.currentTarget).get('q')?.toString().trim() ?? '';
          if (next) navigate(`/search?q=${encodeURIComponent(next)}`);
        }}
      >
        <div class="grow">
          <label for="search-page-q">Search for</label>
          <input id="search-page-q" key={q} name="q" type="search" defaultValue={q} maxLength={MAX_QUERY} aria-describedby="search-hint" />
        </div>
        <button type="submit">Search</button>
      </form>
      <p id="search-hint" class="hint">
        Words match file names, titles, descriptions and tags. Use "quotes" for a phrase and -word to leave a word out.
      </p>

      <p class="visually-hidden" role="status" aria-live="polite">
        {q && list.loaded
          ? `${list.items.length}${list.hasMore ? '+' : ''} ${list.items.length === 1 ? 'result' : 'results'} for ${q}`
          : ''}
      </p>
      {q && !list.loaded && list.loading ? <Spinner label="Searching" /> : null}
      {q && list.loaded && list.items.length === 0 && !list.error ? (
        <Empty>
          Nothing found for “{q}”. Try fewer or different words, or <a href="/">browse the library</a>.
        </Empty>
      ) : null}
      {list.items.length > 0 ? <AssetGrid items={list.items} label={`Results for ${q}`} /> : null}
      <LoadMore list={list} label="More results" />
    </section>
  );
}
