/**
 * Uploading through an upload ("file drop") link on the public share page:
 * a name (required) and a note, then the stock Uppy Dashboard with
 * `@uppy/aws-s3` in Companion mode against the link's own endpoint
 * (`/s/<token>`, so Uppy calls `/s/<token>/s3/params` and
 * `/s/<token>/s3/multipart…`). No account: the link is the credential, and
 * a password link's unlock travels as its cookie (same origin) or, where the
 * cookie did not stick, as `X-Share-Unlock` added by a fetch wrapper scoped
 * to that endpoint. Parts are 5 MiB, the split the edge signs for links
 * (edge/drops/drop-parts.ts). The holder sees only their own files here.
 */
import AwsS3, { type AwsBody } from '@uppy/aws-s3';
import Uppy, { type Meta } from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import '../styles/upload.css';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { Schemas } from '../api/client.ts';
import { formatBytes } from '../format.ts';
import { declaredType, IMAGE_FILE_TYPES } from './file-types.ts';
import { withoutUnsetMeta } from './uppy-params.ts';

type Drop = NonNullable<Schemas['ShareInfo']['link']['upload']>;
type M = Meta & { size?: number; uploaderName?: string; note?: string };

const MiB = 2 ** 20;
const MAX_UPLOAD_BYTES = 5 * 2 ** 30;
const MULTIPART_THRESHOLD = 100 * MiB;
const PART_SIZE = 5 * MiB;

/** Adds the unlock header to this page's calls to the link's Companion endpoint (and only those), without unset meta fields. */
function withUnlockHeader(prefix: string, unlock: () => string | null): () => void {
  const realFetch = window.fetch;
  window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(prefix) || input instanceof Request) return realFetch(input, init);
    // A file without a note would otherwise send metadata[note]=undefined (uppy-params.ts).
    const target = withoutUnsetMeta(url);
    const token = unlock();
    if (!token) return realFetch(target, init);
    const headers = new Headers(init?.headers);
    headers.set('x-share-unlock', token);
    return realFetch(target, { ...init, headers });
  };
  return () => {
    window.fetch = realFetch;
  };
}

function rules(drop: Drop): string {
  const kinds = drop.kinds === 'images' ? 'Images' : drop.kinds === 'videos' ? 'Videos' : 'Any files';
  const size = drop.maxFileSize ? `, up to ${formatBytes(drop.maxFileSize)} each` : ', up to 5 GB each';
  const files = drop.maxFiles ? ` This link takes at most ${drop.maxFiles} files in all.` : '';
  return `${kinds}${size}.${files}`;
}

export function DropUploader({ token, drop, unlock }: { token: string; drop: Drop; unlock: string | null }) {
  const id = useId();
  const target = useRef<HTMLDivElement>(null);
  const [name, setName] = useState('');
  const [note, setNote] = useState('');
  const [sent, setSent] = useState<string[]>([]);
  const unlockRef = useRef(unlock);
  unlockRef.current = unlock;
  const uppyRef = useRef<Uppy<M, AwsBody> | null>(null);

  useEffect(() => {
    const el = target.current;
    if (!el) return;
    const endpoint = `${location.origin}${drop.endpoint}`;
    const restore = withUnlockHeader(`${endpoint}/s3/`, () => unlockRef.current);
    const uppy = new Uppy<M, AwsBody>({
      id: `drop-${id}`,
      autoProceed: false,
      restrictions: {
        maxFileSize: drop.maxFileSize ?? MAX_UPLOAD_BYTES,
        ...(drop.kinds === 'images'
          ? { allowedFileTypes: IMAGE_FILE_TYPES }
          : drop.kinds === 'videos'
            ? { allowedFileTypes: ['video/*'] }
            : {}),
      },
      // A RAW the browser could not type is declared by its extension (file-types.ts).
      onBeforeFileAdded: (file) => {
        const type = declaredType(file.name, file.type);
        return type && type !== file.type ? { ...file, type } : file;
      },
      onBeforeUpload: (files) => {
        const who = (uppy.getState().meta as M).uploaderName?.trim();
        if (!who) {
          uppy.info('Enter your name before uploading.', 'error', 4000);
          return false;
        }
        return files;
      },
      logger: {
        debug: () => undefined,
        warn: (...a: unknown[]) => console.warn('[Uppy]', ...a),
        error: (...a: unknown[]) => console.warn('[Uppy]', ...a),
      },
    })
      .use(AwsS3<M, AwsBody>, {
        companionEndpoint: endpoint,
        shouldUseMultipart: (file) => (file.size ?? 0) > MULTIPART_THRESHOLD,
        getChunkSize: () => PART_SIZE,
        allowedMetaFields: ['size', 'uploaderName', 'note'],
        limit: 3,
      })
      .use(Dashboard<M, AwsBody>, {
        inline: true,
        target: el,
        width: '100%',
        height: 360,
        theme: 'auto' as const,
        note: rules(drop),
        proudlyDisplayPoweredByUppy: false,
        showLinkToFileUploadResult: false,
        fileManagerSelectionType: 'files' as const,
        doneButtonHandler: () => uppy.clear(),
      });
    uppy.on('file-added', (file) => uppy.setFileMeta(file.id, { size: file.size ?? file.data?.size ?? 0 }));
    uppy.on('upload-success', (file) => {
      if (file) setSent((list) => [...list, file.name ?? 'file']);
    });
    uppyRef.current = uppy;
    return () => {
      uppy.destroy();
      uppyRef.current = null;
      restore();
    };
  }, [token, drop.endpoint]);

  useEffect(() => {
    const meta: Partial<M> = { uploaderName: name.trim() };
    if (note.trim()) meta.note = note.trim();
    uppyRef.current?.setMeta(meta);
  }, [name, note]);

  return (
    <section class="drop-uploader" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add files to “{drop.collectionName}”</h2>
      <div class="share-form-grid">
        <div>
          <label for={`${id}-name`}>Your name</label>
          <input
            id={`${id}-name`}
            required
            maxLength={100}
            autoComplete="name"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </div>
        <div>
          <label for={`${id}-note`}>Note (optional)</label>
          <textarea id={`${id}-note`} maxLength={1000} rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </div>
      </div>
      <div ref={target} class="uploader-dashboard" />
      {sent.length > 0 ? (
        <p role="status" class="drop-sent">
          Sent: {sent.join(', ')}. Thank you!
        </p>
      ) : null}
      {drop.dropOnly ? <p class="hint">You can add files here; what others added is not shown.</p> : null}
    </section>
  );
}
