/**
 * `/collections`: the collections the caller may see (mine, shared with me,
 * or both — `?scope=`), a page at a time, and a form to create one.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { Empty, ErrorBanner, Spinner } from '../components/status.tsx';
import { formatDate } from '../format.ts';
import { navigate, setQuery } from '../router.ts';
import '../styles/collections.css';

type Collection = Schemas['Collection'];
type Scope = 'mine' | 'shared' | 'all';
const SCOPES: { value: Scope; label: string }[] = [
  { value: 'mine', label: 'Mine' },
  { value: 'shared', label: 'Shared with me' },
  { value: 'all', label: 'All' },
];

const scopeOf = (q: URLSearchParams): Scope => {
  const s = q.get('scope');
  return s === 'shared' || s === 'all' ? s : 'mine';
};

export function CollectionsPage({ query }: { params: Record<string, string>; query: URLSearchParams }) {
  const scope = scopeOf(query);
  const [items, setItems] = useState<Collection[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    const ctl = new AbortController();
    setItems(null);
    setError(null);
    api('GET /api/collections', { query: { scope, limit: 50 }, signal: ctl.signal })
      .then((page) => {
        setItems(page.items);
        setCursor(page.nextCursor);
      })
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) setError(err);
      });
    return () => ctl.abort();
  }, [scope]);

  async function more() {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api('GET /api/collections', { query: { scope, limit: 50, cursor } });
      setItems((list) => [...(list ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <section class="collections-page">
      <div class="col-head">
        <h1>Collections</h1>
        <fieldset class="segmented">
          <legend class="visually-hidden">Show</legend>
          {SCOPES.map((s) => (
            <label key={s.value} class={scope === s.value ? 'is-current' : undefined}>
              <input
                type="radio"
                name="collection-scope"
                value={s.value}
                checked={scope === s.value}
                onChange={() => setQuery({ scope: s.value === 'mine' ? undefined : s.value })}
              />
              {s.label}
            </label>
          ))}
        </fieldset>
      </div>
      <div class="collections-layout">
        <div>
          <ErrorBanner error={error} />
          {items === null ? (
            error ? null : (
              <Spinner label="Loading collections" />
            )
          ) : items.length === 0 ? (
            <Empty>
              {scope === 'shared' ? 'Nothing has been shared with you yet.' : 'No collections yet. Create one to group assets.'}
            </Empty>
          ) : (
            <ul class="collection-list">
              {items.map((c) => (
                <li key={c.id} class="card collection-card">
                  <h2>
                    <a href={`/collections/${c.id}`}>{c.name}</a>
                  </h2>
                  {c.description ? <p class="clamp">{c.description}</p> : null}
                  <p class="muted small">
                    {c.visibility === 'public' ? 'Public · ' : ''}Updated {formatDate(c.updatedAt)}
                  </p>
                </li>
              ))}
            </ul>
          )}
          {cursor ? (
            <p>
              <button type="button" class="secondary" disabled={loadingMore} onClick={() => void more()}>
                {loadingMore ? 'Loading…' : 'Show more'}
              </button>
            </p>
          ) : null}
        </div>
        <CreateCollection />
      </div>
    </section>
  );
}

function CreateCollection() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const formRef = useRef<HTMLFormElement>(null);
  return (
    <form
      ref={formRef}
      class="card create-collection"
      aria-labelledby="new-collection-h"
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const name = String(f.get('name') ?? '').trim();
        const description = String(f.get('description') ?? '').trim();
        if (!name) return;
        setBusy(true);
        setError(null);
        try {
          const created = await api('POST /api/collections', { body: { name, ...(description ? { description } : {}) } });
          navigate(`/collections/${created.id}`);
        } catch (err) {
          setError(err);
          setBusy(false);
        }
      }}
    >
      <h2 id="new-collection-h">New collection</h2>
      <label for="new-collection-name">Name</label>
      <input id="new-collection-name" name="name" required maxLength={200} />
      <label for="new-collection-description">Description</label>
      <textarea id="new-collection-description" name="description" rows={3} maxLength={5000} />
      <ErrorBanner error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create collection'}
      </button>
    </form>
  );
}
