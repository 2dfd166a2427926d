/**
 * The one video profile. MediaConvert (origin/processing/video/mediaconvert-job.ts)
 * and the local ffmpeg stand-in (origin/processing/video/ffmpeg.ts) both build
 * their jobs from these numbers and produce the same files under `{assetId}/`:
 *
 *   hls/master.m3u8                 multivariant playlist
 *   hls/master_{rung}.m3u8          one media playlist per rung (720p, ...)
 *   hls/master_{rung}_{00001}.ts    its segments (5 digits, from 1)
 *   preview.mp4                     small H.264 MP4, no audio, at most 10 s
 *   progressive.mp4                 fast-start remux of a browser-playable original (local only)
 *   storyboard.jpg / storyboard.vtt sprite sheet + WebVTT thumbnails track (local only)
 *   poster.{0000000}.jpg            frame captures at 0 s and 1 s
 *
 * Names follow what MediaConvert can produce: an HLS group's destination
 * `hls/master` plus a NameModifier `_{rung}` per output gives exactly these
 * playlist and segment names, and a frame-capture output always appends a
 * 7-digit counter. The completion step copies the last capture,
 * `poster.0000001.jpg` (the frame at 1 s; `poster.0000000.jpg` for clips
 * shorter than a second, see `posterSource`), to `poster.jpg`, so every
 * derivative is stored at `{assetId}/{kind}` as the edge serves it.
 */

export interface VideoRung {
  /** Also the HLS NameModifier (without the `_`). */
  readonly name: string;
  /** Bounding box: the output fits inside it, aspect kept, never upscaled. */
  readonly maxWidth: number;
  readonly maxHeight: number;
  /** Peak video bitrate (bit/s): MediaConvert QVBR MaxBitrate, ffmpeg -maxrate. */
  readonly videoBitrate: number;
  readonly audioBitrate: number;
  readonly h264Profile: 'main' | 'high';
}

/** The HLS ladder, lowest first. */
export const VIDEO_LADDER: readonly VideoRung[] = [
  { name: '360p', maxWidth: 640, maxHeight: 360, videoBitrate: 800_000, audioBitrate: 96_000, h264Profile: 'main' },
  { name: '540p', maxWidth: 960, maxHeight: 540, videoBitrate: 2_000_000, audioBitrate: 128_000, h264Profile: 'main' },
  { name: '720p', maxWidth: 1280, maxHeight: 720, videoBitrate: 3_500_000, audioBitrate: 128_000, h264Profile: 'high' },
  { name: '1080p', maxWidth: 1920, maxHeight: 1080, videoBitrate: 6_000_000, audioBitrate: 128_000, h264Profile: 'high' },
];

export const HLS = {
  /** Folder and base name: `hls/master.m3u8`, `hls/master_{rung}.m3u8`. */
  dir: 'hls',
  baseName: 'master',
  segmentSeconds: 6,
  /** A keyframe (closed GOP) every 2 s, so every 6 s segment boundary is one. */
  gopSeconds: 2,
  segmentDigits: 5,
  firstSegment: 1,
} as const;

/** Quality target both encoders aim at under each rung's bitrate cap. */
export const VIDEO_QUALITY = { qvbrLevel: 7, x264Crf: 23, previewCrf: 28 } as const;

export const VIDEO_AUDIO = { codec: 'aac', sampleRate: 48_000, channels: 2 } as const;

export const VIDEO_PREVIEW = {
  kind: 'preview.mp4',
  baseName: 'preview',
  /** The preview is the clip's first seconds, not the whole clip. */
  maxSeconds: 10,
  maxWidth: 854,
  maxHeight: 480,
  videoBitrate: 600_000,
  h264Profile: 'main',
} as const;

export const VIDEO_POSTER = {
  kind: 'poster.jpg',
  baseName: 'poster',
  maxWidth: 1280,
  maxHeight: 720,
  /** One capture per second, two captures: t = 0 s and t = 1 s. */
  capturesPerSecond: 1,
  maxCaptures: 2,
  counterDigits: 7,
  /** JPEG quality 1-100 (MediaConvert); ffmpeg's -q:v 3 is about the same. */
  quality: 80,
} as const;

export const MASTER_PLAYLIST = `${HLS.dir}/${HLS.baseName}.m3u8`;

/**
 * `userMetadata.phase` of a transcode's job events. `quick`: something is
 * playable (the progressive copy or the lowest rung, with the poster);
 * `preview`: the preview clip (its own MediaConvert job, clipped input);
 * `ladder` (or absent, older jobs): every output exists, the asset is ready.
 */
export const VIDEO_PHASE = { quick: 'quick', preview: 'preview', ladder: 'ladder' } as const;
export type VideoPhase = (typeof VIDEO_PHASE)[keyof typeof VIDEO_PHASE];

/**
 * The first playable file of a browser-playable original: its own streams
 * copied (no re-encode) into a fast-start MP4 (moov first), metadata dropped.
 */
export const VIDEO_PROGRESSIVE = {
  kind: 'progressive.mp4',
  /** Codecs every current browser decodes, by ffprobe's codec_name. */
  videoCodecs: ['h264', 'vp9', 'av1'],
  /** 8-bit 4:2:0 only: High 10 / 4:2:2 H.264 does not play in browsers. */
  pixelFormats: ['yuv420p', 'yuvj420p'],
  /** Audio that is copied; any other audio is re-encoded to AAC (cheap). */
  audioCodecs: ['aac', 'mp3', 'opus'],
  /** Above this the copy is too heavy to stream; the lowest rung comes first instead. */
  maxBitrate: 25_000_000,
  /**
   * Whoever may view gets this file (not only who may download the original), so it never has
   * more pixels than the ladder's top rung gives them: 1080p either way up (a portrait phone
   * clip, 1080x1920, is as many pixels). A 4K original gets the lowest rung first instead.
   */
  maxPixels: 1920 * 1080,
} as const;

/** Scrubbing thumbnails: one sprite sheet and a WebVTT track pointing into it with `#xywh=`. */
export const VIDEO_STORYBOARD = {
  sprite: 'storyboard.jpg',
  track: 'storyboard.vtt',
  tileWidth: 160,
  /** At most this many thumbnails: long clips get a longer interval. */
  maxTiles: 100,
  columns: 10,
  minIntervalSec: 2,
} as const;

export interface StoryboardPlan {
  intervalSec: number;
  count: number;
  columns: number;
  rows: number;
  tile: SourceSize;
}

/** How many thumbnails, how far apart and how big, for a clip. */
export function planStoryboard(durationSec: number, src: SourceSize): StoryboardPlan {
  const s = VIDEO_STORYBOARD;
  const intervalSec = Math.max(s.minIntervalSec, Math.ceil(durationSec / s.maxTiles));
  const count = Math.max(1, Math.min(s.maxTiles, Math.ceil(durationSec / intervalSec)));
  const columns = Math.min(s.columns, count);
  const rows = Math.ceil(count / columns);
  return { intervalSec, count, columns, rows, tile: fitWithin(src, s.tileWidth, s.tileWidth * 4) };
}

/** The source's display size (after rotation and pixel aspect ratio). */
export interface SourceSize {
  width: number;
  height: number;
}

export interface PlannedRung extends VideoRung {
  width: number;
  height: number;
}

const even = (n: number) => Math.max(2, Math.floor(n / 2 + 1e-6) * 2);

/** Fits `src` inside a box, keeping its aspect ratio, never upscaling; even sizes (H.264 4:2:0). */
export function fitWithin(src: SourceSize, maxWidth: number, maxHeight: number): SourceSize {
  const scale = Math.min(1, maxWidth / src.width, maxHeight / src.height);
  return { width: even(src.width * scale), height: even(src.height * scale) };
}

/**
 * The rungs for a source: a rung is kept when the source fills its box in at
 * least one dimension (so it is not an upscale); the lowest is always kept.
 */
export function planLadder(src: SourceSize): PlannedRung[] {
  const kept = VIDEO_LADDER.filter((r, i) => i === 0 || src.width >= r.maxWidth || src.height >= r.maxHeight);
  return kept.map((r) => ({ ...r, ...fitWithin(src, r.maxWidth, r.maxHeight) }));
}

const pad = (n: number, digits: number) => String(n).padStart(digits, '0');

export const rungPlaylist = (rung: string) => `${HLS.dir}/${HLS.baseName}_${rung}.m3u8`;
export const rungSegment = (rung: string, n: number) => `${HLS.dir}/${HLS.baseName}_${rung}_${pad(n, HLS.segmentDigits)}.ts`;
export const posterCapture = (n: number) => `${VIDEO_POSTER.baseName}.${pad(n, VIDEO_POSTER.counterDigits)}.jpg`;
export const VIDEO_PREVIEW_FILE = `${VIDEO_PREVIEW.baseName}.mp4`;

/** What one stored file of a video transcode is. */
export type VideoFile =
  | { type: 'master' }
  | { type: 'playlist'; rung: string }
  | { type: 'segment'; rung: string; index: number }
  | { type: 'preview' }
  | { type: 'progressive' }
  | { type: 'storyboard'; file: 'sprite' | 'track' }
  | { type: 'poster'; capture: number };

const RUNG = VIDEO_LADDER.map((r) => r.name).join('|');
const PLAYLIST_RE = new RegExp(`^${HLS.dir}/${HLS.baseName}_(${RUNG})\\.m3u8$`);
const SEGMENT_RE = new RegExp(`^${HLS.dir}/${HLS.baseName}_(${RUNG})_(\\d{${HLS.segmentDigits},})\\.ts$`);
const POSTER_RE = new RegExp(`^${VIDEO_POSTER.baseName}\\.(\\d{${VIDEO_POSTER.counterDigits}})\\.jpg$`);

/** Classifies a path under `{assetId}/`; null for anything the video profile does not produce. */
export function parseVideoFile(path: string): VideoFile | null {
  if (path === MASTER_PLAYLIST) return { type: 'master' };
  if (path === VIDEO_PREVIEW_FILE) return { type: 'preview' };
  if (path === VIDEO_PROGRESSIVE.kind) return { type: 'progressive' };
  if (path === VIDEO_STORYBOARD.sprite) return { type: 'storyboard', file: 'sprite' };
  if (path === VIDEO_STORYBOARD.track) return { type: 'storyboard', file: 'track' };
  let m = PLAYLIST_RE.exec(path);
  if (m) return { type: 'playlist', rung: m[1]! };
  m = SEGMENT_RE.exec(path);
  if (m) return { type: 'segment', rung: m[1]!, index: Number(m[2]) };
  m = POSTER_RE.exec(path);
  if (m) return { type: 'poster', capture: Number(m[1]) };
  return null;
}

/** The frame capture that becomes `poster.jpg`: the last one (1 s, or 0 s for very short clips). */
export function posterSource(paths: readonly string[]): string | undefined {
  return paths
    .filter((p) => parseVideoFile(p)?.type === 'poster')
    .sort()
    .at(-1);
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  vtt: 'text/vtt',
};

/** Content type of a video output by its extension. */
export function videoContentType(path: string): string {
  return CONTENT_TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}
