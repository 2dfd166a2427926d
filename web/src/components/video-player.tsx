/**
 * The video player: HLS through hls.js where Media Source Extensions exist,
 * the browser's own HLS (Safari, iOS) otherwise; or, while the ladder is
 * still being made, the progressive MP4 copy played directly. Poster frame,
 * native controls, and storyboard thumbnails when hovering the timeline.
 * The master playlist's signed URL covers every rendition and segment (the
 * edge rewrites the playlists with the token), so a URL change only matters
 * after a failure: then the player restarts on the fresh URL where it was.
 * Subtitles: hls.js subtitle tracks from the master playlist, `<track>`
 * elements for the progressive copy, one captions menu for both (captions.ts).
 */
import type Hls from 'hls.js';
import type { ErrorData } from 'hls.js';
import { loadHls } from './load-hls.ts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { tileAt, useStoryboard, type StoryboardTile } from './storyboard.ts';
import { captionOptions, showCaptions, useSubtitleTracks, type CaptionOption } from './captions.ts';

interface Props {
  src: string;
  /** `progressive`: an MP4 the browser plays itself (the stream copy made before the ladder). */
  kind?: 'hls' | 'progressive';
  /** The storyboard's WebVTT thumbnails track. */
  storyboard?: string | null;
  poster: string | null;
  title: string;
  width?: number | null;
  height?: number | null;
  /** The asset, to list its subtitle tracks for the progressive copy (HLS finds them in the master playlist). */
  assetId?: string;
  /** The playlist or a segment failed to load: the page fetches fresh URLs (and passes a new `src`). */
  onExpired: () => void;
}

type State = { kind: 'loading' } | { kind: 'ready' } | { kind: 'error'; message: string };

export function VideoPlayer({ src, kind = 'hls', storyboard, poster, title, width, height, assetId, onExpired }: Props) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<State>({ kind: 'loading' });
  // The URL the player runs on; it moves to a new `src` only after an error.
  const [active, setActive] = useState(src);
  const [activeKind, setActiveKind] = useState(kind);
  const tiles = useStoryboard(storyboard);
  const [hover, setHover] = useState<{ left: number; tile: StoryboardTile } | null>(null);
  const [attempt, setAttempt] = useState(0);
  const resumeAt = useRef(0);
  const expiredRef = useRef(onExpired);
  expiredRef.current = onExpired;
  const subtitleTracks = useSubtitleTracks(assetId, activeKind === 'progressive');
  const [trackCaptions, setCaptions] = useState<CaptionOption[]>([]);
  // With hls.js the menu lists its subtitle renditions (it makes text tracks as it needs them).
  const [hlsCaptions, setHlsCaptions] = useState<CaptionOption[] | null>(null);
  const captions = hlsCaptions ?? trackCaptions;
  const [caption, setCaption] = useState(-1);
  const hlsRef = useRef<Hls | null>(null);

  // The captions menu follows the element's text tracks (hls.js adds them as it reads the master).
  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    const update = () => setCaptions(captionOptions(video));
    update();
    video.textTracks.addEventListener('addtrack', update);
    video.textTracks.addEventListener('removetrack', update);
    return () => {
      video.textTracks.removeEventListener('addtrack', update);
      video.textTracks.removeEventListener('removetrack', update);
    };
  }, [active, activeKind, subtitleTracks]);

  const chooseCaption = (index: number) => {
    const video = videoRef.current;
    if (!video) return;
    setCaption(index);
    const hls = hlsRef.current;
    if (hls) {
      // hls.js loads the chosen rendition's WebVTT and shows its text track.
      hls.subtitleDisplay = index !== -1;
      hls.subtitleTrack = index;
      return;
    }
    showCaptions(video, index);
  };

  useEffect(() => {
    // A playing video keeps its URL (its playlists already carry a token for every segment).
    if (src !== active && state.kind !== 'ready') {
      resumeAt.current = videoRef.current?.currentTime ?? 0;
      setState({ kind: 'loading' });
      setActive(src);
      setActiveKind(kind);
    }
  }, [src, kind, active, state.kind]);

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    let hls: Hls | null = null;
    let native = false;
    let retriedMedia = false;
    const ready = () => {
      if (resumeAt.current > 0) {
        video.currentTime = resumeAt.current;
        resumeAt.current = 0;
      }
      setState((s) => (s.kind === 'error' ? s : { kind: 'ready' }));
    };
    const fail = (message: string, expired: boolean) => {
      setState({ kind: 'error', message });
      if (expired) expiredRef.current();
    };

    let cancelled = false;
    const start = (H: typeof Hls | null) => {
      if (cancelled) return;
      if (activeKind === 'progressive') {
        native = true;
        video.src = active;
        video.addEventListener('loadedmetadata', ready, { once: true });
        video.addEventListener('error', () => fail('The video could not be loaded.', true), { once: true });
      } else if (H?.isSupported()) {
        hls = new H({ enableWorker: true, lowLatencyMode: false, backBufferLength: 60 });
        hlsRef.current = hls;
        hls.on(H.Events.SUBTITLE_TRACKS_UPDATED, (_e, data) =>
          setHlsCaptions(
            data.subtitleTracks.map((t, i) => ({ index: i, label: t.name || t.lang || `Track ${i + 1}`, language: t.lang ?? '' })),
          ),
        );
        hls.on(H.Events.MANIFEST_PARSED, ready);
        hls.on(H.Events.ERROR, (_e, data: ErrorData) => {
          if (!data.fatal) return;
          if (data.type === H.ErrorTypes.MEDIA_ERROR && !retriedMedia) {
            // One decoder hiccup is recoverable in place.
            retriedMedia = true;
            hls?.recoverMediaError();
            return;
          }
          const status = data.response?.code;
          const network = data.type === H.ErrorTypes.NETWORK_ERROR;
          fail(
            network
              ? status === 401 || status === 403
                ? 'The video link expired. Getting a fresh one…'
                : 'The video could not be loaded. Check your connection and try again.'
              : 'This video cannot be played in this browser.',
            network,
          );
          hls?.destroy();
          hls = null;
        });
        hls.loadSource(active);
        hls.attachMedia(video);
      } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
        native = true;
        video.src = active;
        video.addEventListener('loadedmetadata', ready, { once: true });
        video.addEventListener('error', () => fail('The video could not be loaded.', true), { once: true });
      } else {
        fail('This browser cannot play HLS video.', false);
      }
    };
    // hls.js is a chunk of its own, fetched when the first HLS video is shown.
    if (activeKind === 'progressive') start(null);
    else loadHls().then(start, () => start(null));
    return () => {
      cancelled = true;
      hls?.destroy();
      hlsRef.current = null;
      setHlsCaptions(null);
      if (native) {
        video.removeAttribute('src');
        video.load();
      }
    };
  }, [active, activeKind, attempt]);

  // Thumbnails over the lower band of the video, where the native timeline is.
  const onPointerMove = (e: PointerEvent) => {
    const video = videoRef.current;
    if (!video || tiles.length === 0 || !Number.isFinite(video.duration)) return;
    const box = video.getBoundingClientRect();
    if (e.clientY < box.bottom - 48) return setHover(null);
    const ratio = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
    const tile = tileAt(tiles, ratio * video.duration);
    setHover(tile ? { left: e.clientX - box.left, tile } : null);
  };

  return (
    <figure class="video-player" onPointerMove={onPointerMove} onPointerLeave={() => setHover(null)}>
      {hover ? (
        <div
          class="storyboard-thumb"
          aria-hidden="true"
          data-testid="storyboard-thumb"
          style={{
            left: `${Math.max(0, hover.left - hover.tile.w / 2)}px`,
            width: `${hover.tile.w}px`,
            height: `${hover.tile.h}px`,
            backgroundImage: `url("${hover.tile.url}")`,
            backgroundPosition: `-${hover.tile.x}px -${hover.tile.y}px`,
          }}
        />
      ) : null}
      <video
        ref={videoRef}
        controls
        playsInline
        preload="metadata"
        poster={poster ?? undefined}
        width={width ?? undefined}
        height={height ?? undefined}
        aria-label={`Video: ${title}`}
      >
        {activeKind === 'progressive'
          ? subtitleTracks.map((t) => <track key={t.language} kind="subtitles" src={t.url} srcLang={t.language} label={t.label} />)
          : null}
      </video>
      {captions.length > 0 ? (
        <label class="captions-menu small">
          Captions{' '}
          <select
            data-testid="captions-menu"
            value={String(caption)}
            onChange={(e) => chooseCaption(Number((e.currentTarget as HTMLSelectElement).value))}
          >
            <option value="-1">Off</option>
            {captions.map((c) => (
              <option key={c.index} value={String(c.index)} lang={c.language || undefined}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {state.kind === 'loading' ? (
        <p class="muted small video-status" role="status">
          Loading video…
        </p>
      ) : state.kind === 'error' ? (
        <div class="error-banner" role="alert">
          <p>{state.message}</p>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              resumeAt.current = videoRef.current?.currentTime ?? 0;
              expiredRef.current();
              setState({ kind: 'loading' });
              setActive(src);
              setActiveKind(kind);
              setAttempt((n) => n + 1);
            }}
          >
            Try again
          </button>
        </div>
      ) : null}
    </figure>
  );
}
