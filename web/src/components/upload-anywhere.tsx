/**
 * Upload from any signed-in page: files dropped anywhere (a full-page
 * overlay says where they go) or an image pasted from the clipboard (not
 * while typing in a field) go through the app's one Uppy (uploader.tsx),
 * into the collection on screen when the caller owns it, else the library.
 * The tray in the corner lists the queue and survives navigation: its state
 * is the Uppy instance's, not a page's.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { currentUser } from '../api/session.ts';
import { useSignal } from '../api/signal.ts';
import { match, useLocation } from '../router.ts';
import { messageOf } from './status.tsx';
import { uploadFiles, uppyFiles, uppyInstance } from './uploader.tsx';

/** Where a drop on `path` goes: the collection's id on `/collections/:id`, else the library. */
export function dropTargetOf(path: string): string | null {
  return match('/collections/:id', path)?.id ?? null;
}

const typing = (el: EventTarget | null) =>
  el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));

const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');

/** The collection id to upload into, when the caller owns it (the edge adds only to the owner's collections). */
async function ownedCollection(id: string | null): Promise<{ id: string | null; note: string | null }> {
  if (!id) return { id: null, note: null };
  try {
    const c = await api('GET /api/collections/{id}', { path: { id }, query: { limit: 1 } });
    if (c.ownerId === currentUser.get()?.id) return { id, note: null };
    return { id: null, note: `Only its owner can upload into “${c.name}”: the files went to your library.` };
  } catch (err) {
    return { id: null, note: `Uploaded to your library (${messageOf(err)})` };
  }
}

export function UploadAnywhere() {
  const loc = useLocation();
  const [over, setOver] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const onUploadPage = loc.path === '/upload';
  const target = dropTargetOf(loc.path);

  useEffect(() => {
    // The upload page's Dashboard is a drop zone of its own.
    if (onUploadPage) return;
    let depth = 0;
    const send = async (files: File[]) => {
      if (!files.length) return;
      const dest = await ownedCollection(target);
      setNote(dest.note);
      uploadFiles(files, dest.id ?? undefined);
    };
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setOver(true);
    };
    const overFn = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      void send([...(e.dataTransfer?.files ?? [])]);
    };
    const paste = (e: ClipboardEvent) => {
      if (typing(e.target) || document.querySelector('dialog[open]')) return;
      const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
      if (!files.length) return;
      e.preventDefault();
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      void send(
        files.map((f, i) => new File([f], `pasted-${stamp}${i ? `-${i}` : ''}.${f.type.split('/')[1] || 'png'}`, { type: f.type })),
      );
    };
    document.addEventListener('dragenter', enter);
    document.addEventListener('dragover', overFn);
    document.addEventListener('dragleave', leave);
    document.addEventListener('drop', drop);
    document.addEventListener('paste', paste);
    return () => {
      document.removeEventListener('dragenter', enter);
      document.removeEventListener('dragover', overFn);
      document.removeEventListener('dragleave', leave);
      document.removeEventListener('drop', drop);
      document.removeEventListener('paste', paste);
    };
  }, [onUploadPage, target]);

  return (
    <>
      {over ? (
        <div class="drop-overlay" data-testid="drop-overlay">
          <p>{target ? 'Drop to upload into this collection' : 'Drop to upload to your library'}</p>
        </div>
      ) : null}
      {onUploadPage ? null : <UploadTray note={note} onDismiss={() => setNote(null)} />}
    </>
  );
}

function UploadTray({ note, onDismiss }: { note: string | null; onDismiss: () => void }) {
  const files = useSignal(uppyFiles);
  if (!files.length) return null;
  const active = files.filter((f) => f.state === 'uploading' || f.state === 'waiting').length;
  const failed = files.filter((f) => f.state === 'error').length;
  const summary = active ? `Uploading ${active} of ${files.length}` : failed ? `${failed} failed` : `${files.length} uploaded`;
  return (
    <section class="upload-tray" aria-labelledby="upload-tray-h">
      <div class="upload-tray-head">
        <h2 id="upload-tray-h">Uploads</h2>
        <span class="small" role="status">
          {summary}
        </span>
        {active ? null : (
          <button
            type="button"
            class="link"
            onClick={() => {
              uppyInstance().clear();
              onDismiss();
            }}
          >
            Clear
          </button>
        )}
      </div>
      {note ? <p class="small">{note}</p> : null}
      <ul>
        {files.map((f) => (
          <li key={f.id} data-state={f.state}>
            <span class="name" title={f.name}>
              {f.name}
            </span>
            <span class={f.state === 'error' ? 'failed' : 'muted'}>
              {f.state === 'error' ? 'Failed' : f.state === 'done' ? 'Done' : `${Math.round(f.percent)}%`}
            </span>
            {f.state === 'uploading' || f.state === 'waiting' ? (
              <progress max={100} value={f.percent} aria-label={`Uploading ${f.name}`} />
            ) : null}
            {f.state === 'error' ? (
              <button type="button" class="link" onClick={() => void uppyInstance().retryUpload(f.id)}>
                Retry<span class="visually-hidden"> {f.name}</span>
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <p class="small">
        <a href="/upload">See processing on the upload page</a>
      </p>
    </section>
  );
}
