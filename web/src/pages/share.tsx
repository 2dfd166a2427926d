/**
 * The public page of a share link, `/share/:token`: no account, no app
 * header (the route is `bare`). It reads `GET /api/share/:token` without
 * Authorization; a password-protected link first asks for the password
 * (`POST /api/share/:token/unlock`, which sets the `__Host-share-<linkId>`
 * cookie every `/s/<token>/…` media request then carries). Where cookies do
 * not stick, the unlock token the answer also carries is kept in memory and
 * sent instead: `X-Share-Unlock` on API and HLS requests, `?u=` on media URLs.
 */
import { loadHls } from '../components/load-hls.ts';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorOf, type Schemas } from '../api/client.ts';
import { formatBytes, formatDate } from '../format.ts';
import { messageOf, Spinner } from '../components/status.tsx';
import '../styles/sharing.css';
import { DropUploader } from '../components/drop-uploader.tsx';
import { openViewer, viewerSequence } from '../viewer/open-viewer.ts';
import { shareViewerItems } from '../viewer/share-source.ts';
import { fromShared } from '../viewer/viewer-item.ts';

type Info = Schemas['ShareInfo'];
type Shared = Schemas['SharedAsset'];
type Media = Shared['media'][number];

type State =
  | { kind: 'loading' }
  | { kind: 'password'; error: string | null; busy: boolean }
  | { kind: 'ready'; info: Info; loadingMore: boolean; moreError: string | null }
  | { kind: 'invalid' }
  | { kind: 'gone' }
  | { kind: 'error'; message: string };

/** How media requests prove the password: the cookie (null) or this unlock token. */
interface Unlock {
  token: string | null;
}

const shareApi = (token: string) => `/api/share/${encodeURIComponent(token)}`;

async function fetchInfo(token: string, unlock: string | null, cursor?: string): Promise<Response> {
  const qs = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
  return fetch(shareApi(token) + qs, {
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(unlock ? { 'x-share-unlock': unlock } : {}) },
  });
}

/** A media URL carrying the unlock token when the cookie is not in use. */
function withUnlock(url: string, unlock: Unlock, extra?: Record<string, string>): string {
  const u = new URL(url, location.origin);
  for (const [k, v] of Object.entries(extra ?? {})) u.searchParams.set(k, v);
  if (unlock.token) u.searchParams.set('u', unlock.token);
  return u.pathname + u.search;
}

export function SharePage({ params }: { params: Record<string, string>; query: URLSearchParams }) {
  const token = params.token ?? '';
  const [state, setState] = useState<State>({ kind: 'loading' });
  // The unlock token, in memory only; `useToken` once the cookie proved not to work.
  const unlockRef = useRef<string | null>(null);
  const [unlock, setUnlock] = useState<Unlock>({ token: null });

  const load = async (): Promise<void> => {
    try {
      let res = await fetchInfo(token, unlock.token);
      if (res.status === 401 && unlockRef.current && !unlock.token) {
        const err = await errorOf(res.clone());
        if (err.code === 'password_required') {
          // Unlocked, yet the cookie did not come back: send the unlock token instead.
          setUnlock({ token: unlockRef.current });
          res = await fetchInfo(token, unlockRef.current);
        }
      }
      if (res.ok) {
        setState({ kind: 'ready', info: (await res.json()) as Info, loadingMore: false, moreError: null });
        return;
      }
      const err = await errorOf(res);
      if (res.status === 410) setState({ kind: 'gone' });
      else if (res.status === 401 && err.code === 'password_required') setState({ kind: 'password', error: null, busy: false });
      else if (res.status === 401 || res.status === 404 || res.status === 400) setState({ kind: 'invalid' });
      else setState({ kind: 'error', message: err.message });
    } catch (err) {
      setState({ kind: 'error', message: messageOf(err) });
    }
  };

  useEffect(() => {
    unlockRef.current = null;
    setUnlock({ token: null });
    setState({ kind: 'loading' });
    void load();
  }, [token]);

  useEffect(() => {
    const name =
      state.kind === 'ready'
        ? state.info.asset
          ? (state.info.asset.title ?? state.info.asset.filename)
          : (state.info.collection?.name ?? state.info.link.upload?.collectionName)
        : null;
    document.title = `${name ?? 'Shared with you'} · Media`;
  }, [state]);

  const submitPassword = async (password: string) => {
    setState({ kind: 'password', error: null, busy: true });
    try {
      const res = await fetch(`${shareApi(token)}/unlock`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ password }),
      });
      if (res.ok) {
        unlockRef.current = ((await res.json()) as Schemas['ShareUnlock']).unlockToken;
        await load();
        return;
      }
      const err = await errorOf(res);
      if (res.status === 410) setState({ kind: 'gone' });
      else if (res.status === 401 && err.code === 'unauthorized')
        setState({ kind: 'password', error: 'That password is not right. Try again.', busy: false });
      else if (res.status === 429) {
        const wait = Number(res.headers.get('retry-after'));
        const when =
          Number.isFinite(wait) && wait > 0 ? ` Try again in ${wait < 120 ? `${wait} seconds` : `${Math.ceil(wait / 60)} minutes`}.` : '';
        setState({ kind: 'password', error: `Too many attempts.${when}`, busy: false });
      } else setState({ kind: 'password', error: err.message, busy: false });
    } catch (err) {
      setState({ kind: 'password', error: messageOf(err), busy: false });
    }
  };

  const loadMore = async (cursor: string) => {
    if (state.kind !== 'ready') return;
    setState({ ...state, loadingMore: true, moreError: null });
    try {
      const res = await fetchInfo(token, unlock.token, cursor);
      if (!res.ok) throw await errorOf(res);
      const next = (await res.json()) as Info;
      setState((s) => {
        if (s.kind !== 'ready' || !s.info.collection || !next.collection) return s;
        const collection = { ...next.collection, items: [...s.info.collection.items, ...next.collection.items] };
        return { kind: 'ready', info: { ...next, collection }, loadingMore: false, moreError: null };
      });
    } catch (err) {
      setState((s) => (s.kind === 'ready' ? { ...s, loadingMore: false, moreError: messageOf(err) } : s));
    }
  };

  return (
    <div class="share-page">
      <header class="share-page-head">
        <span class="brand">Media</span>
        <span class="muted small">Shared via Media</span>
      </header>
      <main id="main" tabIndex={-1} class="share-page-main">
        {state.kind === 'loading' ? (
          <Spinner label="Opening the shared item" />
        ) : state.kind === 'password' ? (
          <PasswordForm error={state.error} busy={state.busy} onSubmit={submitPassword} />
        ) : state.kind === 'gone' ? (
          <Notice title="This link has expired or was revoked">Ask the person who shared it for a new link.</Notice>
        ) : state.kind === 'invalid' ? (
          <Notice title="This link is not valid">Check that you copied the whole address.</Notice>
        ) : state.kind === 'error' ? (
          <Notice title="The shared item could not be opened" alert>
            {state.message}{' '}
            <button type="button" class="link" onClick={() => void load()}>
              Try again
            </button>
          </Notice>
        ) : state.info.link.upload?.dropOnly ? (
          <DropUploader token={token} drop={state.info.link.upload} unlock={unlock.token ?? unlockRef.current} />
        ) : state.info.asset ? (
          <AssetView asset={state.info.asset} link={state.info.link} unlock={unlock} />
        ) : state.info.collection ? (
          <>
            {state.info.link.upload ? (
              <DropUploader token={token} drop={state.info.link.upload} unlock={unlock.token ?? unlockRef.current} />
            ) : null}
            <CollectionView
              token={token}
              collection={state.info.collection}
              link={state.info.link}
              unlock={unlock}
              loadingMore={state.loadingMore}
              moreError={state.moreError}
              onMore={loadMore}
            />
          </>
        ) : (
          <Notice title="This link is not valid" />
        )}
      </main>
    </div>
  );
}

function Notice({ title, children, alert }: { title: string; children?: ComponentChildren; alert?: boolean }) {
  return (
    <section class="share-notice card" role={alert ? 'alert' : 'status'}>
      <h1>{title}</h1>
      {children ? <p>{children}</p> : null}
    </section>
  );
}

function PasswordForm({ error, busy, onSubmit }: { error: string | null; busy: boolean; onSubmit: (password: string) => void }) {
  const [password, setPassword] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    inputRef.current?.focus();
  }, [error]);
  return (
    <form
      class="share-notice card"
      onSubmit={(e) => {
        e.preventDefault();
        if (password) onSubmit(password);
      }}
    >
      <h1>This link is protected</h1>
      <p>Enter the password you were given to open it.</p>
      <label for="share-password">Password</label>
      <input
        id="share-password"
        ref={inputRef}
        type="password"
        required
        autoComplete="current-password"
        value={password}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'share-password-error' : undefined}
        onInput={(e) => setPassword(e.currentTarget.value)}
      />
      {error ? (
        <p id="share-password-error" class="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        {busy ? 'Checking…' : 'Open'}
      </button>
    </form>
  );
}

const byVariant = (media: Media[], variant: string) => media.find((m) => m.variant === variant);

/** `<picture>` sources from the w*.webp / w*.jpg derivatives, one width each. */
function sourcesOf(media: Media[], ext: 'webp' | 'jpg', unlock: Unlock): string {
  const seen = new Set<number>();
  return media
    .filter((m) => new RegExp(`^w\\d+\\.${ext}$`).test(m.variant) && m.width)
    .sort((a, b) => (a.width ?? 0) - (b.width ?? 0))
    .filter((m) => !seen.has(m.width!) && seen.add(m.width!))
    .map((m) => `${withUnlock(m.url, unlock)} ${m.width}w`)
    .join(', ');
}

function isImage(a: Shared): boolean {
  return a.media.some((m) => /^w\d+\.(webp|jpg)$/.test(m.variant));
}

function SharedImage({ asset, unlock, sizes, alt }: { asset: Shared; unlock: Unlock; sizes: string; alt: string }) {
  const jpg = sourcesOf(asset.media, 'jpg', unlock);
  const webp = sourcesOf(asset.media, 'webp', unlock);
  const fallback =
    byVariant(asset.media, 'w640.jpg') ?? byVariant(asset.media, 'w640.webp') ?? asset.media.find((m) => /^w\d+\./.test(m.variant));
  const big = byVariant(asset.media, 'w1024.jpg');
  return (
    <picture>
      {webp ? <source type="image/webp" srcSet={webp} sizes={sizes} /> : null}
      <img
        src={fallback ? withUnlock(fallback.url, unlock) : undefined}
        srcSet={jpg || undefined}
        sizes={sizes}
        alt={alt}
        width={big?.width ?? fallback?.width ?? undefined}
        height={big?.height ?? fallback?.height ?? undefined}
        decoding="async"
      />
    </picture>
  );
}

function SharedVideo({ asset, unlock }: { asset: Shared; unlock: Unlock }) {
  const ref = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  const master = byVariant(asset.media, 'hls/master.m3u8');
  const poster = byVariant(asset.media, 'poster.jpg');
  const preview = byVariant(asset.media, 'preview.mp4');
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    setError(null);
    let cancelled = false;
    let hls: { destroy(): void } | null = null;
    const direct = () => {
      if (master && video.canPlayType('application/vnd.apple.mpegurl')) video.src = withUnlock(master.url, unlock);
      else if (preview) video.src = withUnlock(preview.url, unlock);
      else setError('This video cannot be played in this browser.');
    };
    if (!master) direct();
    else {
      // hls.js is a chunk of its own (components/load-hls.ts), fetched for the first video.
      loadHls().then(
        (Hls) => {
          if (cancelled) return;
          if (!Hls.isSupported()) return direct();
          // Segment URLs are relative to the playlist: the header carries the unlock token to each of them.
          const player = new Hls({
            enableWorker: true,
            xhrSetup: unlock.token ? (xhr) => xhr.setRequestHeader('x-share-unlock', unlock.token!) : undefined,
          });
          hls = player;
          player.on(Hls.Events.ERROR, (_e, data) => {
            if (!data.fatal) return;
            const code = data.response?.code;
            setError(code === 410 ? 'This link has expired or was revoked.' : 'The video could not be played.');
            player.destroy();
          });
          player.loadSource(master.url);
          player.attachMedia(video);
        },
        () => !cancelled && direct(),
      );
    }
    return () => {
      cancelled = true;
      hls?.destroy();
      video.removeAttribute('src');
      video.load();
    };
  }, [master?.url, preview?.url, unlock.token]);
  return (
    <figure class="share-video">
      <video
        ref={ref}
        controls
        playsInline
        preload="metadata"
        poster={poster ? withUnlock(poster.url, unlock) : undefined}
        aria-label={`Video: ${asset.title ?? asset.filename}`}
      />
      {error ? (
        <p class="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </figure>
  );
}

/** An audio file: its waveform over a stock player of the AAC preview (`preview.mp4`, audio only). */
function SharedAudio({ asset, unlock }: { asset: Shared; unlock: Unlock }) {
  const waveform = byVariant(asset.media, 'waveform.png');
  const preview = byVariant(asset.media, 'preview.mp4');
  return (
    <figure class="share-audio">
      {waveform ? <img class="waveform" src={withUnlock(waveform.url, unlock)} alt="" width={1024} height={160} /> : null}
      {preview ? <audio controls preload="metadata" src={withUnlock(preview.url, unlock)} aria-label={`Audio: ${asset.filename}`} /> : null}
    </figure>
  );
}

function FileCard({ asset, unlock }: { asset: Shared; unlock: Unlock }) {
  const preview = byVariant(asset.media, 'preview.jpg') ?? byVariant(asset.media, 'icon.png');
  return (
    <div class="share-file">
      {preview ? (
        <img src={withUnlock(preview.url, unlock)} alt="" width={preview.width ?? undefined} height={preview.height ?? undefined} />
      ) : null}
      <p class="muted small">
        {asset.contentType} · {formatBytes(asset.size)}
      </p>
    </div>
  );
}

function DownloadButton({ asset, link, unlock }: { asset: Shared; link: Info['link']; unlock: Unlock }) {
  const original = byVariant(asset.media, 'original');
  if (!original || !link.allowDownload) return null;
  return (
    <a class="button" href={withUnlock(original.url, unlock, { download: '1' })} download={asset.filename}>
      Download
      <span class="visually-hidden"> {asset.filename}</span>
    </a>
  );
}

function LinkFacts({ link }: { link: Info['link'] }) {
  return (
    <p class="muted small">
      Link valid until {formatDate(link.expiresAt)}
      {link.downloadsLeft !== null ? ` · ${link.downloadsLeft} download${link.downloadsLeft === 1 ? '' : 's'} left` : ''}
    </p>
  );
}

function AssetView({ asset, link, unlock }: { asset: Shared; link: Info['link']; unlock: Unlock }) {
  const title = asset.title ?? asset.filename;
  // An audio file's preview.mp4 has no picture: it gets a player of its own, with its waveform.
  const audio = asset.media.some((m) => m.variant === 'waveform.png');
  const video = !audio && asset.media.some((m) => m.variant === 'hls/master.m3u8' || m.variant === 'preview.mp4');
  return (
    <article class="share-asset">
      <div class="share-asset-head">
        <div>
          <h1>{title}</h1>
          {asset.title ? <p class="muted small">{asset.filename}</p> : null}
          <LinkFacts link={link} />
        </div>
        <DownloadButton asset={asset} link={link} unlock={unlock} />
      </div>
      {asset.status !== 'ready' && asset.media.length === 0 ? (
        <p class="muted">This file is still being processed; its preview is not available yet.</p>
      ) : audio ? (
        <SharedAudio asset={asset} unlock={unlock} />
      ) : video ? (
        <SharedVideo asset={asset} unlock={unlock} />
      ) : isImage(asset) ? (
        <div class="share-image">
          <SharedImage asset={asset} unlock={unlock} sizes="(max-width: 1100px) 100vw, 1024px" alt={asset.description ?? title} />
        </div>
      ) : (
        <FileCard asset={asset} unlock={unlock} />
      )}
      {asset.description ? <p class="share-description">{asset.description}</p> : null}
    </article>
  );
}

function CollectionView({
  token,
  collection,
  link,
  unlock,
  loadingMore,
  moreError,
  onMore,
}: {
  token: string;
  collection: NonNullable<Info['collection']>;
  link: Info['link'];
  unlock: Unlock;
  loadingMore: boolean;
  moreError: string | null;
  onMore: (cursor: string) => void;
}) {
  // The items open in the app's viewer, which has no session here: it is handed the link's items.
  useEffect(() => {
    const mediaHref = (url: string, extra?: Record<string, string>) => withUnlock(url, unlock, extra);
    const items = new Map(collection.items.map((a) => [a.id, fromShared(a, link.allowDownload, mediaHref)] as const));
    shareViewerItems.set({ token, items });
    const seq = viewerSequence.get();
    if (seq.source.kind === 'share' && seq.source.token === token) viewerSequence.set({ ...seq, ids: collection.items.map((a) => a.id) });
  }, [collection.items, link.allowDownload, unlock.token, token]);
  useEffect(() => () => shareViewerItems.set(null), []);
  return (
    <section class="share-collection">
      <h1>{collection.name}</h1>
      {collection.description ? <p>{collection.description}</p> : null}
      <LinkFacts link={link} />
      {collection.items.length > 0 && link.allowDownload && link.permission !== 'view' && link.downloadsLeft !== 0 ? (
        <p>
          {/* Each file in the archive counts as one download; the unlock token goes along when the cookie is not in use. */}
          <a class="button secondary" href={withUnlock(`/s/${encodeURIComponent(token)}/download.zip`, unlock)} download>
            Download as ZIP
          </a>
        </p>
      ) : null}
      {collection.items.length === 0 ? (
        <p class="empty">This collection is empty.</p>
      ) : (
        <ul class="share-grid">
          {collection.items.map((a) => (
            <li key={a.id}>
              <button
                type="button"
                class="share-tile"
                data-asset-id={a.id}
                onClick={() => openViewer(a.id, { ids: collection.items.map((i) => i.id), source: { kind: 'share', token } })}
              >
                {isImage(a) || byVariant(a.media, 'poster.jpg') || byVariant(a.media, 'preview.jpg') ? (
                  isImage(a) ? (
                    <SharedImage asset={a} unlock={unlock} sizes="200px" alt="" />
                  ) : (
                    <img src={withUnlock((byVariant(a.media, 'poster.jpg') ?? byVariant(a.media, 'preview.jpg'))!.url, unlock)} alt="" />
                  )
                ) : (
                  <span class="share-tile-type" aria-hidden="true">
                    {a.contentType.split('/')[1] ?? 'file'}
                  </span>
                )}
                <span class="share-tile-name">{a.title ?? a.filename}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {collection.nextCursor ? (
        <p>
          <button type="button" class="secondary" disabled={loadingMore} onClick={() => onMore(collection.nextCursor!)}>
            {loadingMore ? 'Loading…' : 'Show more'}
          </button>
        </p>
      ) : null}
      {moreError ? (
        <p class="field-error" role="alert">
          {moreError}
        </p>
      ) : null}
    </section>
  );
}
