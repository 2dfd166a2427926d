/**
 * "Add to collection" for one asset: pick one of the collections the caller
 * may edit — their own, and others' shared with edit or manage
 * (`GET /api/collections` lists each with the caller's permission) — and add the asset (`POST /api/collections/{id}/items`),
 * or name a new collection, which is created and gets the asset at once.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { ErrorBanner } from './status.tsx';
import { useAction } from './use-action.ts';

type Collection = Schemas['Collection'];

/**
 * Every collection the caller may add items to (edit or manage), theirs or
 * shared, and which one is chosen (the first, until the user picks).
 */
export function useEditableCollections(setError: (err: unknown) => void) {
  const [collections, setCollections] = useState<Collection[] | null>(null);
  const [chosen, setChosen] = useState('');
  useEffect(() => {
    const ctl = new AbortController();
    api('GET /api/collections', { query: { scope: 'all', limit: 100 }, signal: ctl.signal })
      .then((page) => {
        const editable = page.items.filter((c) => c.permission === 'edit' || c.permission === 'manage');
        setCollections(editable);
        setChosen((c) => c || editable[0]?.id || '');
      })
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) setError(err);
      });
    return () => ctl.abort();
  }, []);
  return { collections, setCollections, chosen, setChosen };
}

export function CollectionPicker({ assetId }: { assetId: string }) {
  const [newName, setNewName] = useState('');
  const { busy, error, setError, run: runAction } = useAction();
  const { collections, setCollections, chosen, setChosen } = useEditableCollections(setError);
  const [added, setAdded] = useState<Collection | null>(null);

  async function addTo(collection: Collection) {
    await api('POST /api/collections/{id}/items', { path: { id: collection.id }, body: { assetId } });
    setAdded(collection);
  }

  function run(fn: () => Promise<void>) {
    setAdded(null);
    return runAction(fn);
  }

  const hasAny = collections !== null && collections.length > 0;
  return (
    <section class="collection-picker" aria-labelledby={`cp-h-${assetId}`}>
      <h2 id={`cp-h-${assetId}`}>Add to collection</h2>
      {collections === null && !error ? <p class="muted small">Loading your collections…</p> : null}
      {hasAny ? (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            const c = collections.find((x) => x.id === chosen);
            if (c) void run(() => addTo(c));
          }}
        >
          <div class="field-grow">
            <label for={`cp-select-${assetId}`}>Collection</label>
            <select id={`cp-select-${assetId}`} value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
              {collections.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="secondary" disabled={busy || !chosen}>
            Add
          </button>
        </form>
      ) : null}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          const name = newName.trim();
          if (!name) return;
          void run(async () => {
            const created = await api('POST /api/collections', { body: { name } });
            setCollections((list) => [created, ...(list ?? [])]);
            setChosen(created.id);
            setNewName('');
            await addTo(created);
          });
        }}
      >
        <div class="field-grow">
          <label for={`cp-new-${assetId}`}>{hasAny ? 'Or a new collection' : 'New collection'}</label>
          <input id={`cp-new-${assetId}`} value={newName} maxLength={200} onInput={(e) => setNewName(e.currentTarget.value)} />
        </div>
        <button type="submit" class="secondary" disabled={busy || !newName.trim()}>
          Create and add
        </button>
      </form>
      <ErrorBanner error={error} />
      <p role="status" aria-live="polite" class="small">
        {added ? (
          <>
            Added to <a href={`/collections/${added.id}`}>{added.name}</a>.
          </>
        ) : null}
      </p>
    </section>
  );
}
