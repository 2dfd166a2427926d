/**
 * Uploads: the stock Uppy Dashboard (drag and drop, file picker, per-file
 * progress, pause/resume, retry) with `@uppy/aws-s3` in Companion mode
 * against the edge's `/s3/*` endpoints — files up to 100 MiB go as one S3
 * POST-policy form (`GET /s3/params`), larger ones in 8 MiB parts
 * (`/s3/multipart…`). The bytes go straight to storage; the edge only signs.
 *
 * Uppy 6 has no option for request headers in Companion mode: it calls the
 * page's `fetch` with no credentials. The Bearer token is added by wrapping
 * `fetch` for this origin's `/s3/` calls only (as test/node/uploads-e2e.test.ts
 * does against the same edge). Uppy does not send a file's size on its own
 * either; the edge needs it (`metadata[size]`), so it goes in each file's meta,
 * and the collection a dropped file goes into as `metadata[collectionId]`.
 *
 * One Uppy instance lives for the page's lifetime, so an upload keeps going
 * while the user browses elsewhere in the app; the Dashboard is mounted into
 * the upload page and removed when it unmounts. After a file is stored its
 * processing status (`GET /api/assets/:id/status`) is polled, with backoff,
 * while the list is on screen, until the asset is ready or has failed.
 */
import AwsS3, { type AwsBody } from '@uppy/aws-s3';
import Uppy, { type Meta } from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import '../styles/upload.css';
import { useEffect, useRef } from 'preact/hooks';
import { api, ApiError } from '../api/client.ts';
import { currentUser, session } from '../api/session.ts';
import { signal, useSignal } from '../api/signal.ts';
import { formatBytes } from '../format.ts';
import { STATUS_LABELS, type AssetStatus } from './asset-grid.tsx';
import { storedTheme } from './theme-switch.tsx';
import { withoutUnsetMeta } from './uppy-params.ts';

const MiB = 2 ** 20;
/** The edge's limit per original (edge/uploads/limits.ts MAX_UPLOAD_BYTES). */
export const MAX_UPLOAD_BYTES = 5 * 2 ** 30;
/** Above this the edge requires multipart (edge/uploads/limits.ts MULTIPART_THRESHOLD). */
const MULTIPART_THRESHOLD = 100 * MiB;
/**
 * 8 MiB parts: one signing call per part against the edge's /s3 rate limit
 * (600 requests a minute) stays far below it (5 GiB = 640 parts), and a
 * retried part re-sends little.
 */
const PART_SIZE = 8 * MiB;

type M = Meta & { size?: number; collectionId?: string };
type B = AwsBody;

export interface UploadedFile {
  fileId: string;
  name: string;
  size: number;
  assetId: string;
  status: AssetStatus | 'unknown';
  reason?: string;
}

/** Files stored in this page's lifetime, newest first, with their processing status. */
export const uploadedFiles = signal<UploadedFile[]>([]);

const FINAL: readonly string[] = ['ready', 'failed', 'blocked'];

function update(assetId: string, patch: Partial<UploadedFile>): void {
  uploadedFiles.set(uploadedFiles.get().map((f) => (f.assetId === assetId ? { ...f, ...patch } : f)));
}

/** Adds the Bearer token to Uppy's calls to this origin's `/s3/` endpoints (and only to those). */
function installS3Auth(origin: string): void {
  const w = window as Window & { __mediaS3Auth?: boolean };
  if (w.__mediaS3Auth) return;
  w.__mediaS3Auth = true;
  const realFetch = window.fetch.bind(window);
  const prefix = `${origin}/s3/`;
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(prefix) || input instanceof Request) return realFetch(input, init);
    const target = withoutUnsetMeta(url);
    const send = (token: string | null) => {
      const headers = new Headers(init?.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return realFetch(target, { ...init, headers });
    };
    let token = await session.accessToken();
    let res = await send(token);
    // An access token that expired in flight: refresh once and resend (Uppy's bodies are strings).
    if (res.status === 401 && token) {
      token = await session.refresh(token);
      if (token) res = await send(token);
    }
    return res;
  };
}

let instance: Uppy<M, B> | null = null;

/** Whether bytes are still being sent (leaving the page would stop them). */
function uploading(uppy: Uppy<M, B>): boolean {
  return uppy.getFiles().some((f) => f.progress.uploadStarted && !f.progress.uploadComplete && !f.error && !f.isPaused);
}

export function uppyInstance(): Uppy<M, B> {
  if (instance) return instance;
  const origin = window.location.origin;
  installS3Auth(origin);
  const uppy = new Uppy<M, B>({
    id: 'media-upload',
    autoProceed: false,
    restrictions: { maxFileSize: MAX_UPLOAD_BYTES },
    // A failed upload is shown on its file in the Dashboard, with Retry; it is not a fault of the
    // page, so Uppy's log of it goes to the console as a warning rather than an error.
    logger: {
      debug: () => undefined,
      warn: (...args: unknown[]) => console.warn('[Uppy]', ...args),
      error: (...args: unknown[]) => console.warn('[Uppy]', ...args),
    },
  }).use(AwsS3<M, B>, {
    companionEndpoint: origin,
    shouldUseMultipart: (file) => (file.size ?? 0) > MULTIPART_THRESHOLD,
    getChunkSize: () => PART_SIZE,
    // Only the size (and the collection to add to, for files dropped on one) go to the edge as
    // metadata; the name and type are sent as Uppy's own fields.
    allowedMetaFields: ['size', 'collectionId'],
    limit: 3,
  });
  uppy.on('file-added', (file) => uppy.setFileMeta(file.id, { size: file.size ?? file.data?.size ?? 0 }));
  uppy.on('upload-success', (file, response) => {
    if (!file) return;
    // The key is `{assetId}/original` for both single and multipart uploads.
    const key = (response.body as { key?: string } | undefined)?.key ?? '';
    const assetId = key.split('/')[0] ?? '';
    if (!/^[0-9a-f-]{36}$/i.test(assetId)) return;
    const rest = uploadedFiles.get().filter((f) => f.assetId !== assetId);
    uploadedFiles.set([{ fileId: file.id, name: file.name ?? 'file', size: file.size ?? 0, assetId, status: 'uploaded' }, ...rest]);
  });
  // Signed out (here or in another tab): nothing of this session may keep uploading.
  currentUser.subscribe((user) => {
    if (user === null) {
      uppy.cancelAll();
      uploadedFiles.set([]);
    }
  });
  window.addEventListener('beforeunload', (e) => {
    if (uploading(uppy)) e.preventDefault();
  });
  // The global tray's view of the queue (module state: it outlives page changes).
  const publish = () =>
    uppyFiles.set(
      uppy.getFiles().map((f) => ({
        id: f.id,
        name: f.name ?? 'file',
        percent: f.progress.percentage ?? 0,
        state: f.error ? 'error' : f.progress.uploadComplete ? 'done' : f.progress.uploadStarted ? 'uploading' : 'waiting',
        error: f.error ?? null,
      })),
    );
  uppy.on('state-update', publish);
  instance = uppy;
  return uppy;
}

export interface QueuedFile {
  id: string;
  name: string;
  percent: number;
  state: 'waiting' | 'uploading' | 'done' | 'error';
  error: string | null;
}

/** The files in the app's one Uppy and how far each is. */
export const uppyFiles = signal<QueuedFile[]>([]);

/**
 * Uploads files handed over outside the Dashboard (dropped on any page,
 * pasted): into `collectionId` when given (the edge adds each stored file to
 * it, for the collection's owner), else the library. Same Uppy, same path.
 */
export function uploadFiles(files: readonly File[], collectionId?: string): string[] {
  const uppy = uppyInstance();
  const added: string[] = [];
  for (const file of files) {
    try {
      added.push(
        uppy.addFile({
          name: file.name,
          type: file.type,
          data: file,
          source: 'upload-anywhere',
          meta: { size: file.size, ...(collectionId ? { collectionId } : {}) },
        }),
      );
    } catch (err) {
      // A restriction (too large) or a duplicate: Uppy reports it on the file's event; skip it here.
      console.warn('[Uppy]', err);
    }
  }
  if (added.length) void uppy.upload();
  return added;
}

/** The Uppy Dashboard, inline, bound to the app's one Uppy. */
export function Uploader({ height = 440 }: { height?: number }) {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = target.current;
    if (!el) return;
    const uppy = uppyInstance();
    uppy.use(Dashboard<M, B>, {
      id: 'Dashboard',
      inline: true,
      target: el,
      width: '100%',
      height,
      // The app's theme switch (system: the Dashboard follows prefers-color-scheme itself).
      theme: ((t) => (t === 'system' ? 'auto' : t))(storedTheme()),
      note: 'Images, videos and any other file, up to 5 GB each. Files over 100 MB upload in parts and can be paused and resumed.',
      proudlyDisplayPoweredByUppy: false,
      showLinkToFileUploadResult: false,
      showRemoveButtonAfterComplete: false,
      hidePauseResumeButton: false,
      hideRetryButton: false,
      hideCancelButton: false,
      fileManagerSelectionType: 'files',
      doneButtonHandler: () => uppy.clear(),
    });
    return () => {
      const dashboard = uppy.getPlugin('Dashboard');
      if (dashboard) uppy.removePlugin(dashboard);
    };
  }, [height]);
  return (
    <div class="uploader">
      <div ref={target} class="uploader-dashboard" />
    </div>
  );
}

/** Polls one asset's status with backoff until it is final; stops when unmounted. */
function usePollStatus(file: UploadedFile): void {
  const final = FINAL.includes(file.status);
  useEffect(() => {
    if (final) return;
    const ctl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = 700;
    let failures = 0;
    const tick = async () => {
      try {
        const body = await api('GET /api/assets/{id}/status', { path: { id: file.assetId }, signal: ctl.signal });
        failures = 0;
        update(file.assetId, { status: body.status, ...(body.reason ? { reason: body.reason } : {}) });
        if (FINAL.includes(body.status)) return;
      } catch (err) {
        if (ctl.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404) {
          // Deleted meanwhile (or no longer visible): nothing more to wait for.
          update(file.assetId, { status: 'unknown', reason: 'This asset is no longer available.' });
          return;
        }
        if (++failures > 8) {
          update(file.assetId, {
            status: 'unknown',
            reason: `The status could not be read${err instanceof ApiError ? ` (${err.status})` : ''}.`,
          });
          return;
        }
      }
      delay = Math.min(delay * 1.5, 10_000);
      timer = setTimeout(() => void tick(), delay);
    };
    timer = setTimeout(() => void tick(), 300);
    return () => {
      ctl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [file.assetId, final]);
}

function ProcessingRow({ file }: { file: UploadedFile }) {
  usePollStatus(file);
  const final = FINAL.includes(file.status);
  const label = file.status === 'unknown' ? 'Status unknown' : STATUS_LABELS[file.status];
  return (
    <li class={`processing-row processing-${file.status}`} data-asset-id={file.assetId}>
      <span class="processing-name" title={file.name}>
        {file.name}
      </span>
      <span class="muted small">{formatBytes(file.size)}</span>
      <span class="processing-status">
        {!final && file.status !== 'unknown' ? <span class="spinner-dot" aria-hidden="true" /> : null}
        <span class={`status-badge status-${file.status}`}>
          {/* Stored: whatever the server's step (pending until storage reports it), to the user it is processing. */}
          {!final && file.status !== 'unknown' ? 'Processing…' : label}
        </span>
        {file.reason ? <span class="small processing-reason">{file.reason}</span> : null}
      </span>
      <a href={`/assets/${encodeURIComponent(file.assetId)}`} aria-label={`Open ${file.name}`}>
        Open
      </a>
    </li>
  );
}

/** The files stored so far and where their processing is. */
export function ProcessingList() {
  const files = useSignal(uploadedFiles);
  const user = useSignal(currentUser);
  if (!user || files.length === 0) return null;
  const waiting = files.filter((f) => !FINAL.includes(f.status) && f.status !== 'unknown').length;
  return (
    <section class="processing" aria-labelledby="processing-title">
      <div class="row">
        <h2 id="processing-title">Uploaded</h2>
        <span class="muted small" aria-hidden="true">
          {waiting ? `${waiting} processing` : 'All processed'}
        </span>
        <button
          type="button"
          class="link clear-processed"
          onClick={() => uploadedFiles.set(uploadedFiles.get().filter((f) => !FINAL.includes(f.status) && f.status !== 'unknown'))}
        >
          Clear finished
        </button>
      </div>
      <ul class="processing-list" aria-live="polite" aria-relevant="additions text">
        {files.map((f) => (
          <ProcessingRow key={f.assetId} file={f} />
        ))}
      </ul>
    </section>
  );
}
