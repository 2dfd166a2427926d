/**
 * An asset's tags as chips. With the edit permission: each chip has a remove
 * button, the input adds a tag on Enter or comma (Backspace in an empty input
 * moves focus to the last chip's remove button), and every change replaces
 * the tags with `PUT /api/assets/{id}/tags`; the stored spelling comes back.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { useAction } from './use-action.ts';
import { ErrorBanner } from './status.tsx';

const MAX_TAGS = 50;
const MAX_LENGTH = 64;

interface Props {
  assetId: string;
  tags: string[];
  editable: boolean;
  onChange: (tags: string[]) => void;
}

export function TagEditor({ assetId, tags, editable, onChange }: Props) {
  const [draft, setDraft] = useState('');
  const { busy, error, run } = useAction();
  const [invalid, setInvalid] = useState('');
  const [note, setNote] = useState('');
  const [known, setKnown] = useState<string[]>([]);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const listId = `tag-suggestions-${assetId}`;

  useEffect(() => {
    if (!editable) return;
    const ctl = new AbortController();
    api('GET /api/tags', { query: { limit: 100 }, signal: ctl.signal })
      .then((page) => setKnown(page.items.map((t) => t.name)))
      .catch(() => undefined); // suggestions only
    return () => ctl.abort();
  }, [editable]);

  async function save(next: string[], message: string, focusAfter?: () => void) {
    setInvalid('');
    await run(async () => {
      const res = await api('PUT /api/assets/{id}/tags', { path: { id: assetId }, body: { tags: next } });
      onChange(res.tags);
      setNote(message);
      focusAfter?.();
    });
  }

  function add(raw: string) {
    const names = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!names.length) return;
    const tooLong = names.find((n) => [...n].length > MAX_LENGTH);
    if (tooLong) {
      setInvalid(`A tag has at most ${MAX_LENGTH} characters.`);
      return;
    }
    const next = [...tags];
    for (const n of names) if (!next.some((t) => t.toLowerCase() === n.toLowerCase())) next.push(n);
    if (next.length > MAX_TAGS) {
      setInvalid(`An asset has at most ${MAX_TAGS} tags.`);
      return;
    }
    setDraft('');
    if (next.length === tags.length) return;
    void save(next, `Added ${names.join(', ')}.`, () => inputRef.current?.focus());
  }

  function remove(tag: string, index: number) {
    const next = tags.filter((t) => t !== tag);
    void save(next, `Removed ${tag}.`, () => {
      // Focus the chip that took its place, else the previous one, else the input.
      const buttons = listRef.current?.querySelectorAll<HTMLButtonElement>('button');
      const target = buttons?.[Math.min(index, next.length - 1)];
      if (target) target.focus();
      else inputRef.current?.focus();
    });
  }

  return (
    <section class="tag-editor" aria-labelledby={`tags-h-${assetId}`}>
      <h2 id={`tags-h-${assetId}`}>Tags</h2>
      {tags.length ? (
        <ul class="chips" ref={listRef} aria-label="Tags">
          {tags.map((t, i) => (
            <li class="chip" key={t}>
              <a href={`/search?q=${encodeURIComponent(t)}`} title={`Search for ${t}`}>
                {t}
              </a>
              {editable ? (
                <button
                  type="button"
                  class="chip-remove"
                  aria-label={`Remove tag ${t}`}
                  title={`Remove tag ${t}`}
                  disabled={busy}
                  onClick={() => remove(t, i)}
                >
                  <span aria-hidden="true">×</span>
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted small">No tags yet.</p>
      )}
      {editable ? (
        <form
          class="inline tag-form"
          onSubmit={(e) => {
            e.preventDefault();
            add(draft);
          }}
        >
          <div class="field-grow">
            <label for={`tag-input-${assetId}`}>Add a tag</label>
            <input
              id={`tag-input-${assetId}`}
              ref={inputRef}
              value={draft}
              list={listId}
              maxLength={MAX_LENGTH * 4}
              autocomplete="off"
              aria-describedby={`tag-hint-${assetId}`}
              onInput={(e) => {
                const v = e.currentTarget.value;
                setInvalid('');
                if (v.includes(',')) add(v);
                else setDraft(v);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Backspace' && draft === '' && tags.length) {
                  e.preventDefault();
                  const buttons = listRef.current?.querySelectorAll<HTMLButtonElement>('button');
                  buttons?.[buttons.length - 1]?.focus();
                }
              }}
            />
            <datalist id={listId}>
              {known
                .filter((k) => !tags.some((t) => t.toLowerCase() === k.toLowerCase()))
                .map((k) => (
                  <option key={k} value={k} />
                ))}
            </datalist>
          </div>
          <button type="submit" class="secondary" disabled={busy || !draft.trim()}>
            Add tag
          </button>
        </form>
      ) : null}
      {editable ? (
        <p id={`tag-hint-${assetId}`} class="hint">
          Press Enter or type a comma to add a tag.
        </p>
      ) : null}
      {invalid ? (
        <p class="field-error" role="alert">
          {invalid}
        </p>
      ) : null}
      <ErrorBanner error={error} />
      <p class="visually-hidden" role="status" aria-live="polite">
        {note}
      </p>
    </section>
  );
}
