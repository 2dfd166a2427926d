/**
 * Trash (`/trash`): the caller's soft-deleted assets, most recently deleted
 * first, each with when it was deleted and when it will be purged, and a
 * Restore button. A restore is announced (and focus moves to the
 * announcement, since the card that had it is gone).
 */
import { useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { AssetGrid, LoadMore, titleOf, usePagedList } from '../components/asset-grid.tsx';
import { Empty, ErrorBanner, Spinner } from '../components/status.tsx';
import { formatDate } from '../format.ts';

type Props = { params: Record<string, string>; query: URLSearchParams };
type TrashItem = Schemas['TrashItem'];

const PAGE_SIZE = 48;

export function TrashPage(_props: Props) {
  const list = usePagedList('trash', (cursor, signal) =>
    api('GET /api/trash', { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }, signal }),
  );
  const [busy, setBusy] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [restored, setRestored] = useState<{ id: string; title: string } | null>(null);
  const notice = useRef<HTMLParagraphElement>(null);

  const restore = async (item: TrashItem) => {
    setBusy((s) => new Set(s).add(item.id));
    setError(null);
    try {
      await api('POST /api/assets/{id}/restore', { path: { id: item.id } });
      list.setItems((items) => items.filter((i) => i.id !== item.id));
      setRestored({ id: item.id, title: titleOf(item) });
      // The card (and its focused button) is gone: focus the announcement instead.
      requestAnimationFrame(() => notice.current?.focus());
    } catch (err) {
      setError(err);
    } finally {
      setBusy((s) => {
        const next = new Set(s);
        next.delete(item.id);
        return next;
      });
    }
  };

  return (
    <section class="trash" aria-labelledby="trash-title">
      <h1 id="trash-title">Trash</h1>
      <p class="hint">
        Deleted assets stay here, hidden from everyone else, until their purge date. Restore puts one back in your library with its sharing
        as it was.
      </p>

      <div role="status" aria-live="polite">
        {restored ? (
          <p class="notice" ref={notice} tabIndex={-1}>
            Restored “{restored.title}” to your library. <a href={`/assets/${encodeURIComponent(restored.id)}`}>Open it</a>
          </p>
        ) : null}
      </div>
      <ErrorBanner error={error} />

      {!list.loaded && list.loading ? <Spinner label="Loading the trash" /> : null}
      {list.loaded && list.items.length === 0 && !list.error ? (
        <Empty>The trash is empty. Deleted assets wait here until they are purged; restore them from this page.</Empty>
      ) : null}
      {list.items.length > 0 ? (
        <AssetGrid
          items={list.items}
          label="Deleted assets"
          href={() => null}
          details={(item) => (
            <dl class="dates">
              <dt>Deleted</dt>
              <dd>
                <time dateTime={item.deletedAt}>{formatDate(item.deletedAt)}</time>
              </dd>
              <dt>Purged after</dt>
              <dd>{item.purgeAfter ? <time dateTime={item.purgeAfter}>{formatDate(item.purgeAfter)}</time> : 'Not scheduled'}</dd>
            </dl>
          )}
          actions={(item) => (
            <button
              type="button"
              class="secondary"
              disabled={busy.has(item.id)}
              aria-label={`Restore ${titleOf(item)}`}
              onClick={() => void restore(item)}
            >
              {busy.has(item.id) ? 'Restoring…' : 'Restore'}
            </button>
          )}
        />
      ) : null}
      <LoadMore list={list} label="Load more deleted assets" />
    </section>
  );
}
