/**
 * The upload ("file drop") part of the share dialog's link form, for
 * collections: whether holders may upload, whether they see the collection
 * or only drop files in, which kinds, and the caps. `uploadBody` turns the
 * draft into the API's `upload` object (undefined: no uploads).
 */
import { useId } from 'preact/hooks';
import type { Schemas } from '../api/client.ts';

type Settings = NonNullable<Schemas['CreateShareLink']['upload']>;

export interface UploadDraft {
  enabled: boolean;
  dropOnly: boolean;
  kinds: 'any' | 'images' | 'videos';
  maxFiles: string;
  maxTotalMb: string;
  maxFileMb: string;
}

export const emptyUploadDraft: UploadDraft = { enabled: false, dropOnly: true, kinds: 'any', maxFiles: '', maxTotalMb: '', maxFileMb: '' };

const MB = 1_000_000;
const num = (s: string, scale = 1) => (s.trim() === '' ? null : Math.round(Number(s) * scale));

export function uploadBody(d: UploadDraft): Settings | undefined {
  if (!d.enabled) return undefined;
  return {
    dropOnly: d.dropOnly,
    kinds: d.kinds,
    maxFiles: num(d.maxFiles),
    maxBytes: num(d.maxTotalMb, MB),
    maxFileSize: num(d.maxFileMb, MB),
  };
}

export function UploadLinkFields({ draft, onChange }: { draft: UploadDraft; onChange: (d: UploadDraft) => void }) {
  const id = useId();
  const set = (patch: Partial<UploadDraft>) => onChange({ ...draft, ...patch });
  return (
    <fieldset class="upload-link-fields">
      <legend>Uploads</legend>
      <div class="check">
        <input id={`${id}-on`} type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.currentTarget.checked })} />
        <label for={`${id}-on`}>Let people with the link upload files into this collection</label>
      </div>
      {draft.enabled ? (
        <div class="share-form-grid">
          <div class="check">
            <input
              id={`${id}-only`}
              type="checkbox"
              checked={draft.dropOnly}
              onChange={(e) => set({ dropOnly: e.currentTarget.checked })}
            />
            <label for={`${id}-only`}>Upload only (they see nothing in the collection)</label>
          </div>
          <div>
            <label for={`${id}-kinds`}>Accepted files</label>
            <select id={`${id}-kinds`} value={draft.kinds} onChange={(e) => set({ kinds: e.currentTarget.value as UploadDraft['kinds'] })}>
              <option value="any">Any files</option>
              <option value="images">Images only</option>
              <option value="videos">Videos only</option>
            </select>
          </div>
          <div>
            <label for={`${id}-files`}>Most files (optional)</label>
            <input
              id={`${id}-files`}
              type="number"
              min="1"
              step="1"
              value={draft.maxFiles}
              onInput={(e) => set({ maxFiles: e.currentTarget.value })}
            />
          </div>
          <div>
            <label for={`${id}-total`}>Most MB in all (optional)</label>
            <input
              id={`${id}-total`}
              type="number"
              min="1"
              value={draft.maxTotalMb}
              onInput={(e) => set({ maxTotalMb: e.currentTarget.value })}
            />
          </div>
          <div>
            <label for={`${id}-size`}>Most MB per file (optional)</label>
            <input
              id={`${id}-size`}
              type="number"
              min="1"
              value={draft.maxFileMb}
              onInput={(e) => set({ maxFileMb: e.currentTarget.value })}
            />
          </div>
        </div>
      ) : null}
    </fieldset>
  );
}

/** One line about a link's uploads for its card, or null. */
export function uploadSummary(link: Schemas['ShareLink']): string | null {
  const u = link.upload;
  if (!u) return null;
  const kinds = u.kinds === 'any' ? 'any files' : u.kinds;
  return `${u.dropOnly ? 'Upload only' : 'View and upload'} (${kinds}): ${u.files}${u.maxFiles !== null ? ` of ${u.maxFiles}` : ''} files`;
}
