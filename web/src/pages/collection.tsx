/**
 * `/collections/:id`: a collection's items in order, with thumbnails. Editors
 * rename and describe it, remove items and reorder them with Move up / Move
 * down buttons (the whole visible order is sent, as the API asks); managers
 * share and delete it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { ItemThumb } from '../components/image-viewer.tsx';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { ShareDialog } from '../components/share-dialog.tsx';
import { ZipDownloadButton } from '../components/zip-download.tsx';
import { Empty, ErrorBanner, Spinner } from '../components/status.tsx';
import { useAction } from '../components/use-action.ts';
import { useSignedResource } from '../components/use-signed-resource.ts';
import { formatBytes } from '../format.ts';
import { navigate } from '../router.ts';
import { openViewer } from '../viewer/open-viewer.ts';
import '../styles/collections.css';

type Detail = Schemas['CollectionWithItems'];
type Item = Schemas['CollectionItem'];
type Permission = Detail['permission'];

const RANK: Record<Permission, number> = { view: 0, download: 1, edit: 2, manage: 3 };
const can = (have: Permission, need: Permission) => RANK[have] >= RANK[need];
const itemName = (i: Item) => i.title?.trim() || i.filename;
/** Thumbnail URLs expire: after a load error, refetch at most this often. */

/** The collection with every item the caller can see (pages of 100; reordering needs them all). */
async function loadAll(id: string, signal?: AbortSignal): Promise<Detail> {
  const first = await api('GET /api/collections/{id}', { path: { id }, query: { limit: 100 }, ...(signal ? { signal } : {}) });
  const items = [...first.items];
  let cursor = first.nextCursor;
  while (cursor) {
    const page = await api('GET /api/collections/{id}', { path: { id }, query: { limit: 100, cursor }, ...(signal ? { signal } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor;
  }
  return { ...first, items, nextCursor: null };
}

export function CollectionPage({ params }: { params: Record<string, string>; query: URLSearchParams }) {
  const id = params.id ?? '';
  const {
    data,
    setData,
    error,
    load,
    onMediaError: onThumbError,
  } = useSignedResource(
    id,
    (signal) => loadAll(id, signal),
    (d) => d.items.flatMap((i) => (i.thumbnail ? [i.thumbnail.expiresAt] : [])),
  );

  useEffect(() => {
    if (data) document.title = `${data.name} · Media`;
  }, [data?.name]);

  if (!data) {
    return error ? (
      <section>
        <h1>Collection</h1>
        <ErrorBanner error={error} />
        <p>
          <a href="/collections">All collections</a>
        </p>
      </section>
    ) : (
      <Spinner label="Loading the collection" />
    );
  }
  return <CollectionView data={data} setData={setData} error={error} onThumbError={onThumbError} reload={() => void load()} />;
}

function CollectionView({
  data,
  setData,
  error,
  onThumbError,
  reload,
}: {
  data: Detail;
  setData: (d: Detail) => void;
  error: unknown;
  onThumbError: () => void;
  reload: () => void;
}) {
  const editable = can(data.permission, 'edit');
  const manage = can(data.permission, 'manage');
  const [shareOpen, setShareOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const { busy, error: opError, setError: setOpError, run } = useAction();
  const [note, setNote] = useState('');
  const listRef = useRef<HTMLOListElement>(null);
  const shareButton = useRef<HTMLButtonElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  // Order saves go one after another, each with the whole order at the time of its move.
  const saving = useRef<Promise<void>>(Promise.resolve());

  /** Focus a control of the item now at `index` after the list re-rendered. */
  const focusItem = (assetId: string, prefer: 'up' | 'down') =>
    requestAnimationFrame(() => {
      const li = listRef.current?.querySelector<HTMLElement>(`[data-asset="${CSS.escape(assetId)}"]`);
      const order = prefer === 'up' ? ['up', 'down'] : ['down', 'up'];
      for (const which of order) {
        const b = li?.querySelector<HTMLButtonElement>(`button[data-move="${which}"]`);
        if (b && !b.disabled) return b.focus();
      }
    });

  function move(index: number, delta: -1 | 1) {
    const target = index + delta;
    if (target < 0 || target >= data.items.length) return;
    const items = [...data.items];
    const [moved] = items.splice(index, 1);
    if (!moved) return;
    items.splice(target, 0, moved);
    setData({ ...data, items });
    focusItem(moved.id, delta < 0 ? 'up' : 'down');
    setOpError(null);
    saving.current = saving.current.then(async () => {
      try {
        await api('PUT /api/collections/{id}/items/order', { path: { id: data.id }, body: { assetIds: items.map((i) => i.id) } });
        setNote(`Moved “${itemName(moved)}” to position ${target + 1} of ${items.length}.`);
      } catch (err) {
        setOpError(err);
        reload(); // show the order the server kept
      }
    });
  }

  function remove(item: Item, index: number) {
    void run(async () => {
      await api('DELETE /api/collections/{id}/items/{assetId}', { path: { id: data.id, assetId: item.id } });
      const items = data.items.filter((i) => i.id !== item.id);
      setData({ ...data, items });
      setNote(`Removed “${itemName(item)}” from the collection.`);
      const next = items[Math.min(index, items.length - 1)];
      requestAnimationFrame(() => {
        if (next) listRef.current?.querySelector<HTMLElement>(`[data-asset="${CSS.escape(next.id)}"] a`)?.focus();
        else document.getElementById('collection-h')?.focus();
      });
    });
  }

  return (
    <article class="collection-page">
      <header class="col-head">
        <div>
          <p class="small">
            <a href="/collections">Collections</a>
          </p>
          <h1 id="collection-h" tabIndex={-1}>
            {data.name}
          </h1>
          {data.description ? <p class="collection-description">{data.description}</p> : null}
          <p class="muted small">
            {data.items.length} {data.items.length === 1 ? 'item' : 'items'}
            {data.visibility === 'public' ? ' · Public' : ''}
          </p>
        </div>
        <div class="row">
          {data.items.length > 0 ? <ZipDownloadButton collectionId={data.id} /> : null}
          {editable && !editing ? (
            <button type="button" class="secondary" ref={editButton} onClick={() => setEditing(true)}>
              Edit details
            </button>
          ) : null}
          {manage ? (
            <button type="button" class="secondary" ref={shareButton} onClick={() => setShareOpen(true)}>
              Share
            </button>
          ) : null}
        </div>
      </header>
      {editing ? (
        <DetailsForm
          data={data}
          onDone={(updated) => {
            if (updated) setData({ ...data, ...updated });
            setEditing(false);
            requestAnimationFrame(() => editButton.current?.focus());
          }}
        />
      ) : null}
      <ErrorBanner error={error} />
      <ErrorBanner error={opError} />
      <p class="visually-hidden" role="status" aria-live="polite">
        {note}
      </p>
      {data.items.length === 0 ? (
        <Empty>
          This collection is empty.{' '}
          {data.permission === 'manage' ? 'Drop files anywhere on this page to upload them into it, or open' : 'Open'} an asset and use “Add
          to collection”.
        </Empty>
      ) : (
        <ol class="item-grid" ref={listRef} aria-label="Items in order">
          {data.items.map((item, i) => (
            <li key={item.id} class="card item-card" data-asset={item.id}>
              <a
                href={`/assets/${item.id}`}
                class="item-link"
                onClick={(e) => {
                  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                  e.preventDefault();
                  openViewer(item.id, { ids: data.items.map((i) => i.id), source: { kind: 'library' } });
                }}
              >
                <ItemThumb item={item} onExpired={onThumbError} />
                <span class="item-name">{itemName(item)}</span>
              </a>
              <p class="muted small">
                <span class="visually-hidden">Position </span>
                {i + 1} · {item.type} · {formatBytes(item.size)}
              </p>
              {editable ? (
                <div class="item-actions">
                  <button
                    type="button"
                    class="secondary"
                    data-move="up"
                    disabled={i === 0}
                    aria-label={`Move up: ${itemName(item)}`}
                    onClick={() => move(i, -1)}
                  >
                    <span aria-hidden="true">↑ </span>Move up
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    data-move="down"
                    disabled={i === data.items.length - 1}
                    aria-label={`Move down: ${itemName(item)}`}
                    onClick={() => move(i, 1)}
                  >
                    <span aria-hidden="true">↓ </span>Move down
                  </button>
                  <button
                    type="button"
                    class="link"
                    disabled={busy}
                    aria-label={`Remove from collection: ${itemName(item)}`}
                    onClick={() => remove(item, i)}
                  >
                    Remove
                  </button>
                </div>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      {manage ? <DeleteCollection data={data} /> : null}
      {manage ? (
        <ShareDialog
          resource={{ type: 'collection', id: data.id, name: data.name }}
          open={shareOpen}
          onClose={() => {
            setShareOpen(false);
            shareButton.current?.focus();
          }}
        />
      ) : null}
    </article>
  );
}

function DetailsForm({ data, onDone }: { data: Detail; onDone: (updated: Schemas['Collection'] | null) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  return (
    <form
      class="card collection-edit"
      aria-label="Collection details"
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const name = String(f.get('name') ?? '').trim();
        const description = String(f.get('description') ?? '').trim();
        if (!name) return;
        setBusy(true);
        setError(null);
        try {
          onDone(await api('PATCH /api/collections/{id}', { path: { id: data.id }, body: { name, description: description || null } }));
        } catch (err) {
          setError(err);
          setBusy(false);
        }
      }}
    >
      <label for="collection-name">Name</label>
      <input id="collection-name" name="name" ref={first} required maxLength={200} defaultValue={data.name} />
      <label for="collection-description">Description</label>
      <textarea id="collection-description" name="description" rows={3} maxLength={5000} defaultValue={data.description ?? ''} />
      <ErrorBanner error={error} />
      <div class="row form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" class="secondary" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DeleteCollection({ data }: { data: Detail }) {
  return (
    <section class="collection-danger" aria-label="Delete collection">
      <ConfirmAction
        label="Delete collection…"
        confirmLabel="Delete collection"
        groupLabel="Confirm deleting the collection"
        onConfirm={async () => {
          await api('DELETE /api/collections/{id}', { path: { id: data.id } });
          navigate('/collections', { replace: true });
        }}
      >
        Delete “{data.name}”? Its assets stay in the library.
      </ConfirmAction>
    </section>
  );
}
