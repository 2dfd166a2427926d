/**
 * The bar shown while assets are selected: how many, and what to do with
 * them — add to a collection, tag or untag, share (access for a person, or
 * one link per asset), download as ZIP, move to the trash (with Undo).
 * Progress and every per-item failure are reported in a live region.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { sharePageUrl } from '../components/share-dialog.tsx';
import { ErrorBanner } from '../components/status.tsx';
import { useAction } from '../components/use-action.ts';
import { eachItem, runBulk, ZIP_LIMIT, type Report } from './bulk-actions.ts';
import { useEditableCollections } from '../components/collection-picker.tsx';

type Panel = 'collection' | 'tag' | 'share' | null;

export interface SelectionBarProps {
  ids: string[];
  titleOf(id: string): string;
  onClear(): void;
  /** After items left the library (trash) or came back (undo). */
  onTrashed(ids: string[]): void;
  onRestored(): void;
}

interface Outcome {
  verb: string;
  report: Report;
  links?: { id: string; url: string }[];
  undo?: string[];
}

export function SelectionBar({ ids, titleOf, onClear, onTrashed, onRestored }: SelectionBarProps) {
  const [panel, setPanel] = useState<Panel>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const { busy, error, run } = useAction();
  const n = ids.length;
  // With nothing selected (after a trash) the actions have nothing to act on; the report stays.
  const open = n > 0 ? panel : null;

  const track = (verb: string) => (report: Report) => setOutcome((o) => ({ ...(o ?? {}), verb, report }));

  const bulk = (verb: string, body: Parameters<typeof runBulk>[0], after?: (ok: string[]) => void) =>
    run(async () => {
      setOutcome({ verb, report: { done: 0, total: n, failures: [] } });
      const { ok, report } = await runBulk(body, ids, track(verb));
      setOutcome({ verb, report, ...(body.action === 'trash' && ok.length ? { undo: ok } : {}) });
      after?.(ok);
    });

  return (
    <section class="selection-bar" aria-label="Selection">
      <div class="sb-main">
        <p class="sb-count" aria-live="polite">
          <strong>{n}</strong> selected
        </p>
        <div class="sb-actions">
          <button
            type="button"
            class="secondary"
            disabled={n === 0}
            aria-expanded={panel === 'collection'}
            onClick={() => setPanel(panel === 'collection' ? null : 'collection')}
          >
            Add to collection
          </button>
          <button
            type="button"
            class="secondary"
            disabled={n === 0}
            aria-expanded={panel === 'tag'}
            onClick={() => setPanel(panel === 'tag' ? null : 'tag')}
          >
            Tag
          </button>
          <button
            type="button"
            class="secondary"
            disabled={n === 0}
            aria-expanded={panel === 'share'}
            onClick={() => setPanel(panel === 'share' ? null : 'share')}
          >
            Share
          </button>
          <button
            type="button"
            class="secondary"
            disabled={busy || n === 0 || n > ZIP_LIMIT}
            title={n > ZIP_LIMIT ? `A ZIP holds at most ${ZIP_LIMIT} assets` : undefined}
            onClick={() =>
              void run(async () => {
                const { url } = await api('POST /api/downloads', { body: { assetIds: ids } });
                location.assign(url);
              })
            }
          >
            Download ZIP
          </button>
          <button
            type="button"
            class="danger"
            disabled={busy || n === 0}
            onClick={() => void bulk('Moved to the trash', { action: 'trash' }, onTrashed)}
          >
            Move to trash
          </button>
          <button type="button" class="link" onClick={onClear}>
            {n === 0 ? 'Close' : 'Clear selection'}
          </button>
        </div>
      </div>
      {n > ZIP_LIMIT ? <p class="muted small">Download as ZIP takes at most {ZIP_LIMIT} assets at a time.</p> : null}
      {open === 'collection' ? (
        <CollectionPanel
          busy={busy}
          onAdd={(collectionId) => void bulk('Added to the collection', { action: 'add-to-collection', collectionId })}
        />
      ) : null}
      {open === 'tag' ? (
        <TagPanel busy={busy} onTag={(action, tags) => void bulk(action === 'tag' ? 'Tagged' : 'Untagged', { action, tags })} />
      ) : null}
      {open === 'share' ? (
        <SharePanel
          busy={busy}
          onGrant={(email, permission) =>
            void run(async () => {
              const verb = `Shared with ${email}`;
              const { report } = await eachItem(
                ids,
                (id) =>
                  api('POST /api/grants', {
                    body: { resourceType: 'asset', resourceId: id, principalType: 'user', principalEmail: email, permission },
                  }),
                track(verb),
              );
              setOutcome({ verb, report });
            })
          }
          onLinks={() =>
            void run(async () => {
              const verb = 'Links created';
              const { results, report } = await eachItem(
                ids,
                (id) => api('POST /api/share-links', { body: { resourceType: 'asset', resourceId: id, permission: 'view' } }),
                track(verb),
              );
              const links = ids.flatMap((id) => {
                const url = results.get(id) ? sharePageUrl(results.get(id)!) : null;
                return url ? [{ id, url }] : [];
              });
              setOutcome({ verb, report, links });
            })
          }
        />
      ) : null}
      {error ? <ErrorBanner error={error} /> : null}
      {outcome ? (
        <OutcomeView
          outcome={outcome}
          titleOf={titleOf}
          busy={busy}
          onUndo={(undo) =>
            void run(async () => {
              const { report } = await runBulk({ action: 'restore' }, undo, track('Restored'));
              setOutcome({ verb: 'Restored', report });
              onRestored();
            })
          }
        />
      ) : null}
    </section>
  );
}

function OutcomeView({
  outcome,
  titleOf,
  busy,
  onUndo,
}: {
  outcome: Outcome;
  titleOf(id: string): string;
  busy: boolean;
  onUndo(ids: string[]): void;
}) {
  const { report, verb } = outcome;
  const ok = report.done - report.failures.length;
  const finished = report.done === report.total;
  return (
    <div class="sb-outcome" role="status" aria-live="polite">
      {finished ? (
        <p>
          {verb}: {ok} of {report.total}
          {report.failures.length ? `; ${report.failures.length} not done` : ''}.{' '}
          {outcome.undo && !busy ? (
            <button type="button" class="link" onClick={() => onUndo(outcome.undo!)}>
              Undo
            </button>
          ) : null}
        </p>
      ) : (
        <p>
          <progress max={report.total} value={report.done} aria-label={`${verb}: progress`} /> {report.done} of {report.total}
        </p>
      )}
      {report.failures.length ? (
        <ul class="sb-failures">
          {report.failures.map((f) => (
            <li key={f.id} data-asset-id={f.id}>
              <strong>{titleOf(f.id)}</strong>: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {outcome.links?.length ? (
        <div class="sb-links">
          <label for="sb-links-text">Share links (view only), one per line</label>
          <textarea
            id="sb-links-text"
            readOnly
            rows={Math.min(6, outcome.links.length)}
            value={outcome.links.map((l) => l.url).join('\n')}
          />
        </div>
      ) : null}
    </div>
  );
}

function CollectionPanel({ busy, onAdd }: { busy: boolean; onAdd(collectionId: string): void }) {
  const [newName, setNewName] = useState('');
  const { busy: creating, error, setError, run } = useAction();
  const { collections, chosen, setChosen } = useEditableCollections(setError);
  return (
    <div class="sb-panel">
      {collections === null && !error ? <p class="muted small">Loading your collections…</p> : null}
      {collections?.length ? (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (chosen) onAdd(chosen);
          }}
        >
          <div class="field-grow">
            <label for="sb-collection">Collection</label>
            <select id="sb-collection" value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
              {collections.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={busy || !chosen}>
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
            setNewName('');
            onAdd(created.id);
          });
        }}
      >
        <div class="field-grow">
          <label for="sb-new-collection">New collection</label>
          <input id="sb-new-collection" value={newName} maxLength={200} onInput={(e) => setNewName(e.currentTarget.value)} />
        </div>
        <button type="submit" class="secondary" disabled={busy || creating || !newName.trim()}>
          Create and add
        </button>
      </form>
      {error ? <ErrorBanner error={error} /> : null}
    </div>
  );
}

function TagPanel({ busy, onTag }: { busy: boolean; onTag(action: 'tag' | 'untag', tags: string[]): void }) {
  const [text, setText] = useState('');
  const names = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return (
    <form class="sb-panel inline" onSubmit={(e) => (e.preventDefault(), names.length && onTag('tag', names))}>
      <div class="field-grow">
        <label for="sb-tags">Tags (separate with commas)</label>
        <input id="sb-tags" value={text} maxLength={500} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <button type="submit" disabled={busy || !names.length}>
        Add tags
      </button>
      <button type="button" class="secondary" disabled={busy || !names.length} onClick={() => onTag('untag', names)}>
        Remove tags
      </button>
    </form>
  );
}

function SharePanel({
  busy,
  onGrant,
  onLinks,
}: {
  busy: boolean;
  onGrant(email: string, permission: 'view' | 'download' | 'edit'): void;
  onLinks(): void;
}) {
  const [email, setEmail] = useState('');
  const [permission, setPermission] = useState<'view' | 'download' | 'edit'>('view');
  return (
    <div class="sb-panel">
      <form class="inline" onSubmit={(e) => (e.preventDefault(), email.trim() && onGrant(email.trim(), permission))}>
        <div class="field-grow">
          <label for="sb-share-email">Give access to (email)</label>
          <input id="sb-share-email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </div>
        <div>
          <label for="sb-share-permission">Permission</label>
          <select id="sb-share-permission" value={permission} onChange={(e) => setPermission(e.currentTarget.value as typeof permission)}>
            <option value="view">View</option>
            <option value="download">Download</option>
            <option value="edit">Edit</option>
          </select>
        </div>
        <button type="submit" disabled={busy || !email.trim()}>
          Share
        </button>
      </form>
      <p>
        <button type="button" class="secondary" disabled={busy} onClick={onLinks}>
          Create a view link for each
        </button>
      </p>
    </div>
  );
}
