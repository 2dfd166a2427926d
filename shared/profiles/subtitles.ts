/**
 * Subtitles attached to a video: limits, and where their files live. A
 * subtitle is an HLS subtitle rendition beside the ladder, so its files sit
 * under the `hls/` prefix that a player's `hls/` media token already covers:
 * `hls/subs/{language}.vtt` (the whole WebVTT, one segment) and
 * `hls/subs/{language}.m3u8` (its media playlist). The name comes from the
 * validated language tag, never from the uploaded file's name.
 */
import { HLS } from './video.ts';

export const SUBTITLES = {
  /** The file as sent (UTF-8 bytes), before conversion. */
  maxBytes: 1024 * 1024,
  maxCues: 5000,
  /** Code points of one cue's text. */
  maxCueChars: 1000,
  /** Subtitle tracks per video. */
  maxTracks: 20,
  /** Latest cue end accepted: 24 hours. */
  maxEndMs: 24 * 3600 * 1000,
  /** `GROUP-ID` of the renditions in the master playlist. */
  groupId: 'subs',
  dir: `${HLS.dir}/subs`,
  /**
   * `X-TIMESTAMP-MAP` MPEG-TS time of cue time 0: the first PTS of the
   * ladder's TS segments (ffmpeg's mpegts muxer starts at 1.4 s = 126000
   * ticks of 90 kHz), so cues line up with the video in HLS players.
   */
  mpegTsOrigin: 126000,
} as const;

/** The file-name stem for a language tag: lower case (`pt-BR` → `pt-br`). */
export const subtitleStem = (language: string) => language.toLowerCase();

/** Variant paths of a subtitle's files. */
export const subtitleFiles = (language: string) => {
  const stem = subtitleStem(language);
  return { vtt: `${SUBTITLES.dir}/${stem}.vtt`, playlist: `${SUBTITLES.dir}/${stem}.m3u8` };
};

/**
 * Whether a derivative variant path is a subtitle file. These are the only
 * derivatives replaced in place (PUT of the same language), so no shared
 * cache keeps them: CloudFront (edge/storage/cdn-reader.ts, whose TTL for
 * derivatives is 30 days) and the Workers cache (edge/delivery/edge-cache.ts)
 * pass them through to S3.
 */
export const isSubtitleFile = (variantOrKey: string) => variantOrKey.includes(`${SUBTITLES.dir}/`);
