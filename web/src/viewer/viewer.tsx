/**
 * The full-screen viewer (lightbox), mounted once by the app shell and shown
 * while the URL has `?view=<assetId>`. A modal <dialog> (focus stays inside,
 * the page behind is inert; focus returns to the asset's card on close):
 * next/previous by arrow keys, buttons and swipe; Escape closes; `i` toggles
 * the info panel; +/-/0 zoom an image. Each asset is a history entry, so
 * back and forward step through what was seen. Media comes from the
 * signed-in API or, on a share page, from the link's items.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { useSignal } from '../api/signal.ts';
import { AudioViewer } from '../components/audio-viewer.tsx';
import { ShareDialog } from '../components/share-dialog.tsx';
import { ErrorBanner, Spinner } from '../components/status.tsx';
import { useSignedResource } from '../components/use-signed-resource.ts';
import { VideoPlayer } from '../components/video-player.tsx';
import { useLocation } from '../router.ts';
import '../styles/viewer.css';
import { neighbour } from './history.ts';
import { InfoPanel } from './info-panel.tsx';
import { closeViewer, stepViewer, viewerOpener, viewerSequence } from './open-viewer.ts';
import { prefetchAsset, takePrefetched } from './prefetch.ts';
import { shareViewerItems } from './share-source.ts';
import { can, fromAsset, type ViewerItem } from './viewer-item.ts';
import { KEY_STEP, ZoomableImage, type ZoomControls } from './zoomable-image.tsx';

export function ViewerHost() {
  const loc = useLocation();
  const id = loc.query.get('view');
  return id ? <Lightbox id={id} onSharePage={loc.path.startsWith('/share/')} /> : null;
}

/** Keys a focused control needs for itself (text entry, media seeking, sliders). */
function ownsKeys(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT|VIDEO|AUDIO)$/.test(el.tagName);
}

function Lightbox({ id, onSharePage }: { id: string; onSharePage: boolean }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const sequence = useSignal(viewerSequence);
  const shared = useSignal(shareViewerItems);
  const [info, setInfo] = useState(false);
  const [shareOpen, setShareOpen] = useState(false);
  const zoom = useRef<ZoomControls | null>(null);
  const shownId = useRef(id);
  shownId.current = id;

  // A share page's items (also for a `?view=` address opened directly there, where no sequence was set).
  const fromShare = sequence.source.kind === 'share';
  const shareSource =
    shared && (fromShare ? shared.token === (sequence.source as { token: string }).token : shared.items.has(id)) ? shared : null;
  const ids = shareSource && !fromShare ? [...shareSource.items.keys()] : sequence.ids;
  const prev = neighbour(ids, id, -1);
  const next = neighbour(ids, id, 1);
  const step = (to: string | null) => {
    if (to) stepViewer(to);
  };

  // Open as a modal once; on unmount give focus back to the shown asset's card, else the opener.
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    const root = document.documentElement;
    const overflow = root.style.overflow;
    root.style.overflow = 'hidden';
    return () => {
      root.style.overflow = overflow;
      const shown = shownId.current;
      setTimeout(() => {
        const card = document.querySelector(`[data-asset-id="${CSS.escape(shown)}"]`);
        const target =
          (card?.matches('a, button') ? card : card?.querySelector<HTMLElement>('a[href], button')) ??
          (viewerOpener()?.isConnected ? viewerOpener() : null);
        (target as HTMLElement | null)?.focus();
      }, 0);
    };
  }, []);

  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (ownsKeys(e.target)) return;
    if (shareOpen) return;
    const k = e.key;
    if (k === 'ArrowRight') step(next);
    else if (k === 'ArrowLeft') step(prev);
    else if (k === 'i' || k === 'I') setInfo((v) => !v);
    else if (k === '+' || k === '=') zoom.current?.zoomBy(KEY_STEP);
    else if (k === '-' || k === '_') zoom.current?.zoomBy(1 / KEY_STEP);
    else if (k === '0') zoom.current?.reset();
    else return;
    e.preventDefault();
  };

  // On the document, not the dialog: focus can fall to <body> when the focused control is replaced.
  const keyRef = useRef(onKey);
  keyRef.current = onKey;
  useEffect(() => {
    const fn = (e: KeyboardEvent) => keyRef.current(e);
    document.addEventListener('keydown', fn);
    return () => document.removeEventListener('keydown', fn);
  }, []);

  return (
    <dialog
      ref={dialog}
      class={`viewer${info ? ' with-info' : ''}`}
      aria-modal="true"
      aria-labelledby="viewer-title"
      onCancel={(e) => {
        e.preventDefault();
        if (!shareOpen) closeViewer();
      }}
    >
      {shareSource || onSharePage ? (
        <SharedBody
          item={shareSource?.items.get(id) ?? null}
          loading={!shareSource}
          id={id}
          {...{ prev, next, step, info, setInfo, zoom }}
        />
      ) : (
        <LibraryBody id={id} {...{ prev, next, step, info, setInfo, zoom, shareOpen, setShareOpen }} />
      )}
    </dialog>
  );
}

interface BodyProps {
  prev: string | null;
  next: string | null;
  step: (to: string | null) => void;
  info: boolean;
  setInfo: (fn: (v: boolean) => boolean) => void;
  zoom: { current: ZoomControls | null };
}

function LibraryBody({
  id,
  shareOpen,
  setShareOpen,
  ...p
}: BodyProps & { id: string; shareOpen: boolean; setShareOpen: (v: boolean) => void }) {
  const { data, error, onMediaError } = useSignedResource(
    id,
    (signal) => takePrefetched(id) ?? api('GET /api/assets/{id}', { path: { id }, ...(signal ? { signal } : {}) }),
    (a) => a.media.map((m) => m.expiresAt),
  );
  const shareButton = useRef<HTMLButtonElement>(null);
  // The neighbours' details (and display image) ahead of a step.
  useEffect(() => {
    if (!data) return;
    for (const n of [p.next, p.prev]) if (n) prefetchAsset(n);
  }, [data?.id, p.next, p.prev]);
  const item = data && data.id === id ? fromAsset(data) : null;
  const manage = !!data && can(data.permission, 'manage') && !data.deletedAt;
  return (
    <>
      <Toolbar item={item} id={id} {...p}>
        {manage ? (
          <button type="button" class="viewer-btn" ref={shareButton} onClick={() => setShareOpen(true)}>
            Share
          </button>
        ) : null}
      </Toolbar>
      <Stage item={item} error={error} onMediaError={onMediaError} {...p} />
      {p.info && item ? <InfoPanel item={item} /> : null}
      {manage && data ? (
        <ShareDialog
          resource={{ type: 'asset', id: data.id, name: item?.name ?? data.filename }}
          open={shareOpen}
          onClose={() => {
            setShareOpen(false);
            shareButton.current?.focus();
          }}
        />
      ) : null}
    </>
  );
}

function SharedBody({ item, id, loading, ...p }: BodyProps & { item: ViewerItem | null; id: string; loading: boolean }) {
  return (
    <>
      <Toolbar item={item} id={id} {...p} />
      <Stage
        item={item}
        error={item || loading ? null : new Error('This item is not part of the shared collection.')}
        onMediaError={() => undefined}
        {...p}
      />
      {p.info && item ? <InfoPanel item={item} /> : null}
    </>
  );
}

function Toolbar({
  item,
  id,
  prev,
  next,
  step,
  info,
  setInfo,
  children,
}: BodyProps & { item: ViewerItem | null; id: string; children?: preact.ComponentChildren }) {
  return (
    <header class="viewer-bar">
      <h2 id="viewer-title" class="viewer-title" title={item?.filename}>
        {item?.name ?? 'Loading…'}
      </h2>
      <div class="viewer-actions">
        {item?.asset ? (
          <a class="viewer-btn" href={`/assets/${encodeURIComponent(id)}`}>
            Open page
          </a>
        ) : null}
        {item?.downloadHref ? (
          <a class="viewer-btn" href={item.downloadHref} download={item.filename}>
            Download
          </a>
        ) : null}
        {children}
        <button type="button" class="viewer-btn" aria-pressed={info} aria-keyshortcuts="i" onClick={() => setInfo((v) => !v)}>
          Info
        </button>
        <button type="button" class="viewer-btn" aria-keyshortcuts="Escape" onClick={() => closeViewer()}>
          Close
        </button>
      </div>
      <button
        type="button"
        class="viewer-nav viewer-prev"
        aria-label="Previous"
        aria-keyshortcuts="ArrowLeft"
        disabled={!prev}
        onClick={() => step(prev)}
      >
        <span aria-hidden="true">‹</span>
      </button>
      <button
        type="button"
        class="viewer-nav viewer-next"
        aria-label="Next"
        aria-keyshortcuts="ArrowRight"
        disabled={!next}
        onClick={() => step(next)}
      >
        <span aria-hidden="true">›</span>
      </button>
    </header>
  );
}

function Stage({
  item,
  error,
  onMediaError,
  step,
  prev,
  next,
  zoom,
}: BodyProps & { item: ViewerItem | null; error: unknown; onMediaError: () => void }) {
  if (!item) return <div class="viewer-body">{error ? <ErrorBanner error={error} /> : <Spinner label="Loading the asset" />}</div>;
  const swipe = (dir: 1 | -1) => step(dir === 1 ? next : prev);
  const waiting = ['pending', 'uploaded'].includes(item.status) || (item.status === 'processing' && !item.video && !item.variants.length);
  let body: preact.ComponentChildren;
  if (waiting) body = <Spinner label="This file is still being processed" />;
  else if (item.status === 'failed' || item.status === 'blocked')
    body = <p role="alert">{item.status === 'blocked' ? 'This file was blocked.' : 'This file could not be processed.'}</p>;
  else if (item.animated) body = <img class="viewer-image is-loaded" src={item.animated} alt={item.name} onError={onMediaError} />;
  else if (item.variants.length)
    body = (
      <ZoomableImage
        key={item.id}
        variants={item.variants}
        original={item.zoomOriginal}
        placeholder={item.placeholder}
        alt={item.description ?? item.name}
        controls={zoom}
        onSwipe={swipe}
        onError={onMediaError}
      />
    );
  else if (item.video)
    body = (
      <div class="viewer-video">
        <VideoPlayer key={item.id} {...item.video} title={item.name} onExpired={onMediaError} />
      </div>
    );
  else if (item.audio && item.asset)
    body = (
      <div class="viewer-audio">
        <AudioViewer asset={item.asset} name={item.name} onExpired={onMediaError} />
      </div>
    );
  else if (item.audio)
    body = (
      <figure class="viewer-audio audio-player card">
        {item.audio.waveform ? <img class="waveform" src={item.audio.waveform} alt={`Waveform of ${item.name}`} /> : null}
        {item.audio.src ? <audio controls preload="metadata" src={item.audio.src} aria-label={`Audio: ${item.name}`} /> : null}
      </figure>
    );
  else
    body = (
      <div class="viewer-file card">
        {item.preview ? <img src={item.preview} alt={`Preview of ${item.name}`} /> : null}
        <p>{item.filename}</p>
        {item.downloadHref ? (
          <a class="button" href={item.downloadHref} download={item.filename}>
            Download to open it
          </a>
        ) : (
          <p class="muted small">There is no preview of this file, and this link does not allow downloading it.</p>
        )}
      </div>
    );
  return (
    <div class="viewer-body" data-asset-id-shown={item.id} data-type={item.type}>
      {error ? <ErrorBanner error={error} /> : null}
      {body}
    </div>
  );
}
