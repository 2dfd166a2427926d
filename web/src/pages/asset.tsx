/**
 * `/assets/:id`: one asset. The viewer by type (responsive image, HLS video,
 * preview or icon), download, details, and for editors the title and
 * description, tags, collections, visibility and delete. Media URLs are
 * signed and short-lived: the asset is fetched again a minute before the
 * first one expires, when the tab comes back after that, and when media
 * fails to load. A file still being processed is polled until it settles.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client.ts';
import { AudioViewer } from '../components/audio-viewer.tsx';
import { CollectionPicker } from '../components/collection-picker.tsx';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { ImageViewer, NoPreview, mediaUrl } from '../components/image-viewer.tsx';
import { dimensionsOf, MetadataPanel } from '../components/metadata-panel.tsx';
import { ShareDialog } from '../components/share-dialog.tsx';
import { ErrorBanner, Spinner } from '../components/status.tsx';
import { TagEditor } from '../components/tag-editor.tsx';
import { useAction } from '../components/use-action.ts';
import { VideoPlayer } from '../components/video-player.tsx';
import { useSignedResource } from '../components/use-signed-resource.ts';
import { navigate } from '../router.ts';
import '../styles/asset.css';

type Asset = Schemas['Asset'];
type Permission = Asset['permission'];

const RANK: Record<Permission, number> = { view: 0, download: 1, edit: 2, manage: 3 };
const can = (have: Permission, need: Permission) => RANK[have] >= RANK[need];
const IN_PROGRESS = new Set(['pending', 'uploaded', 'processing']);

export const nameOf = (a: Pick<Asset, 'title' | 'filename'>) => a.title?.trim() || a.filename;

export function AssetPage({ params }: { params: Record<string, string>; query: URLSearchParams }) {
  const id = params.id ?? '';
  const {
    data: asset,
    setData: setAsset,
    error,
    setError,
    load,
    onMediaError,
  } = useSignedResource(
    id,
    (signal) => api('GET /api/assets/{id}', { path: { id }, ...(signal ? { signal } : {}) }),
    (a) => a.media.map((m) => m.expiresAt),
  );

  // Still processing: poll the status and reload once it settles.
  const status = asset?.status;
  useEffect(() => {
    if (!status || !IN_PROGRESS.has(status)) return;
    let delay = 2_000;
    let timer: ReturnType<typeof setTimeout>;
    let stopped = false;
    const ctl = new AbortController();
    const tick = async () => {
      try {
        const s = await api('GET /api/assets/{id}/status', { path: { id }, signal: ctl.signal });
        if (s.status !== status) {
          void load();
          return;
        }
      } catch (err) {
        if (stopped) return;
        setError(err);
      }
      if (stopped) return;
      delay = Math.min(delay * 1.5, 10_000);
      timer = setTimeout(() => void tick(), delay);
    };
    timer = setTimeout(() => void tick(), delay);
    return () => {
      stopped = true;
      clearTimeout(timer);
      ctl.abort();
    };
  }, [id, status, load]);

  useEffect(() => {
    if (asset) document.title = `${nameOf(asset)} · Media`;
  }, [asset?.title, asset?.filename]);

  if (!asset) {
    return error ? (
      <section>
        <h1>Asset</h1>
        <ErrorBanner error={error} />
        <p>
          <a href="/">Back to the library</a>
        </p>
      </section>
    ) : (
      <Spinner label="Loading the asset" />
    );
  }
  return <AssetView asset={asset} error={error} setAsset={setAsset} onMediaError={onMediaError} />;
}

function AssetView({
  asset,
  error,
  setAsset,
  onMediaError,
}: {
  asset: Asset;
  error: unknown;
  setAsset: (a: Asset) => void;
  onMediaError: () => void;
}) {
  const [shareOpen, setShareOpen] = useState(false);
  const shareButton = useRef<HTMLButtonElement>(null);
  const name = nameOf(asset);
  const editable = can(asset.permission, 'edit') && !asset.deletedAt;
  const original = can(asset.permission, 'download') ? mediaUrl(asset.media, 'original') : null;
  const downloadHref = original ? `${original}${original.includes('?') ? '&' : '?'}download=1` : null;

  return (
    <article class="asset-page">
      <header class="asset-head">
        <div class="asset-title">
          <h1>{name}</h1>
          {asset.title ? <p class="muted small text-wrap">{asset.filename}</p> : null}
        </div>
        <div class="row asset-actions">
          {downloadHref ? (
            <a class="button" href={downloadHref} download={asset.filename}>
              Download
            </a>
          ) : null}
          {can(asset.permission, 'manage') && !asset.deletedAt ? (
            <button type="button" class="secondary" ref={shareButton} onClick={() => setShareOpen(true)}>
              Share
            </button>
          ) : null}
        </div>
      </header>
      <ErrorBanner error={error} />
      {asset.deletedAt ? (
        <p class="asset-notice" role="status">
          This asset is in the trash. <a href="/trash">Open the trash</a> to restore it.
        </p>
      ) : null}
      <div class="asset-layout">
        <div class="asset-media">
          <Viewer asset={asset} name={name} onMediaError={onMediaError} />
          {asset.description ? <p class="asset-description">{asset.description}</p> : null}
          <MetadataPanel asset={asset} />
        </div>
        <div class="asset-side">
          {editable ? <EditForm asset={asset} onSaved={setAsset} /> : null}
          <TagEditor assetId={asset.id} tags={asset.tags} editable={editable} onChange={(tags) => setAsset({ ...asset, tags })} />
          {editable ? <CollectionPicker assetId={asset.id} /> : null}
          {can(asset.permission, 'manage') && !asset.deletedAt ? <DangerZone asset={asset} onSaved={setAsset} /> : null}
        </div>
      </div>
      {can(asset.permission, 'manage') ? (
        <ShareDialog
          resource={{ type: 'asset', id: asset.id, name }}
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

function Viewer({ asset, name, onMediaError }: { asset: Asset; name: string; onMediaError: () => void }) {
  // A video plays as soon as its first playable file exists; the rest of the ladder follows.
  const playableEarly = asset.type === 'video' && asset.playable && asset.status === 'processing';
  if (IN_PROGRESS.has(asset.status) && !playableEarly) {
    return (
      <div class="viewer-state card">
        <Spinner label={asset.status === 'pending' ? 'Waiting for the upload to finish' : 'Processing this file'} />
        <p class="muted small">The page updates by itself when the file is ready.</p>
      </div>
    );
  }
  if (asset.status === 'failed' || asset.status === 'blocked') {
    return (
      <div class="viewer-state card" role="alert">
        <p>
          <strong>{asset.status === 'blocked' ? 'This file was blocked.' : 'This file could not be processed.'}</strong>
        </p>
        {asset.statusReason ? <p class="muted">{asset.statusReason}</p> : null}
      </div>
    );
  }
  return (
    <>
      <MediaViewer asset={asset} name={name} onMediaError={onMediaError} />
      {asset.statusReason ? (
        <p class="preview-note muted small" role="note">
          {previewNote(asset.statusReason)}
        </p>
      ) : null}
    </>
  );
}

/** A ready asset's `statusReason` says why a preview is missing (`no_preview: …`, `no_animation: …`). */
const previewNote = (reason: string) =>
  reason.startsWith('no_animation:')
    ? `Not animated: ${reason.slice('no_animation:'.length).trim()}`
    : `No preview: ${reason.replace(/^no_preview:\s*/, '')}`;

function MediaViewer({ asset, name, onMediaError }: { asset: Asset; name: string; onMediaError: () => void }) {
  const animated = asset.type === 'image' ? mediaUrl(asset.media, 'preview.webp') : null;
  if (animated) {
    return (
      <figure class="image-viewer">
        <img src={animated} alt={name} class="preview-img" onError={onMediaError} />
      </figure>
    );
  }
  if (asset.type === 'image' && asset.derivatives.some((d) => /^w\d+\.(webp|jpg)$/.test(d.kind))) {
    return <ImageViewer asset={asset} alt={name} onExpired={onMediaError} />;
  }
  if (asset.type === 'video') {
    const hls = mediaUrl(asset.media, 'hls/master.m3u8');
    const progressive = mediaUrl(asset.media, 'progressive.mp4');
    const poster = mediaUrl(asset.media, 'poster.jpg');
    const storyboard = mediaUrl(asset.media, 'storyboard.vtt');
    const { width, height } = dimensionsOf(asset);
    // While the ladder is incomplete the stream copy (full quality) beats a lone 360p rung.
    const src = asset.status === 'processing' && progressive ? progressive : (hls ?? progressive);
    if (src) {
      return (
        <>
          <VideoPlayer
            src={src}
            kind={src === progressive ? 'progressive' : 'hls'}
            storyboard={storyboard}
            assetId={asset.id}
            poster={poster}
            title={name}
            width={width}
            height={height}
            onExpired={onMediaError}
          />
          {asset.status === 'processing' ? (
            <p class="muted small" role="status" data-testid="ladder-pending">
              Playable now; other qualities are still being prepared.
            </p>
          ) : null}
        </>
      );
    }
    const preview = mediaUrl(asset.media, 'preview.mp4');
    if (preview) {
      return (
        <figure class="video-player">
          <video
            controls
            playsInline
            preload="metadata"
            src={preview}
            poster={poster ?? undefined}
            aria-label={`Video: ${name}`}
            onError={onMediaError}
          />
        </figure>
      );
    }
  }
  if (asset.type === 'audio') {
    const player = <AudioViewer asset={asset} name={name} onExpired={onMediaError} />;
    if (mediaUrl(asset.media, 'preview.mp4') || mediaUrl(asset.media, 'original') || mediaUrl(asset.media, 'waveform.png')) return player;
  }
  return <NoPreview asset={asset} />;
}

function EditForm({ asset, onSaved }: { asset: Asset; onSaved: (a: Asset) => void }) {
  const [title, setTitle] = useState(asset.title ?? '');
  const [description, setDescription] = useState(asset.description ?? '');
  const { busy, error, run } = useAction();
  const [note, setNote] = useState('');
  // Another save (or a reload) changed the stored values: show them.
  useEffect(() => setTitle(asset.title ?? ''), [asset.title]);
  useEffect(() => setDescription(asset.description ?? ''), [asset.description]);
  const dirty = title.trim() !== (asset.title ?? '') || description !== (asset.description ?? '');

  return (
    <form
      class="asset-edit"
      aria-labelledby="asset-edit-h"
      onSubmit={(e) => {
        e.preventDefault();
        setNote('');
        void run(async () => {
          const t = title.trim();
          const updated = await api('PATCH /api/assets/{id}', {
            path: { id: asset.id },
            body: { title: t ? t : null, description: description.trim() ? description : null },
          });
          onSaved(updated);
          setNote('Saved.');
        });
      }}
    >
      <h2 id="asset-edit-h">Edit</h2>
      <label for="asset-title">Title</label>
      <input
        id="asset-title"
        name="title"
        value={title}
        maxLength={200}
        placeholder={asset.filename}
        onInput={(e) => setTitle(e.currentTarget.value)}
      />
      <label for="asset-description">Description</label>
      <textarea
        id="asset-description"
        name="description"
        rows={3}
        maxLength={5000}
        value={description}
        onInput={(e) => setDescription(e.currentTarget.value)}
      />
      <ErrorBanner error={error} />
      <div class="row form-actions">
        <button type="submit" disabled={busy || !dirty}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <span role="status" aria-live="polite" class="muted small">
          {note}
        </span>
      </div>
    </form>
  );
}

function DangerZone({ asset, onSaved }: { asset: Asset; onSaved: (a: Asset) => void }) {
  const { busy, error, run } = useAction();

  return (
    <section class="asset-manage" aria-labelledby="asset-manage-h">
      <h2 id="asset-manage-h">Access and removal</h2>
      <div class="toggle">
        <input
          id="asset-public"
          type="checkbox"
          checked={asset.visibility === 'public'}
          disabled={busy}
          aria-describedby="asset-public-hint"
          onChange={(e) => {
            const visibility = e.currentTarget.checked ? 'public' : 'private';
            void run(async () => onSaved(await api('PATCH /api/assets/{id}', { path: { id: asset.id }, body: { visibility } })));
          }}
        />
        <label for="asset-public">Public</label>
      </div>
      <p id="asset-public-hint" class="hint">
        {asset.visibility === 'public'
          ? 'Anyone with the address can view this asset.'
          : 'Only you and the people you share it with can view it.'}
      </p>
      <ConfirmAction
        label="Delete…"
        confirmLabel="Move to trash"
        groupLabel="Confirm moving to the trash"
        onConfirm={async () => {
          await api('DELETE /api/assets/{id}', { path: { id: asset.id } });
          navigate('/trash');
        }}
      >
        Move “{nameOf(asset)}” to the trash? You can restore it from there.
      </ConfirmAction>
      <ErrorBanner error={error} />
    </section>
  );
}
