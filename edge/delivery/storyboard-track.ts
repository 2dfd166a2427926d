/**
 * The storyboard's WebVTT thumbnails track names its sprite by a relative
 * URL (`storyboard.jpg#xywh=0,0,160,90`). A player resolves it against the
 * track's URL without its query, so the credential that let the caller read
 * the track must be added to it, as hls.ts does for playlists: a fresh
 * media token for the sprite alone (never longer-lived than the caller's own
 * credential), or the share-link unlock `u=`. Public assets need nothing.
 */
import { VIDEO_STORYBOARD } from '../../shared/profiles/video.ts';
import { queryOf, withQuery } from './hls.ts';

export const isStoryboardTrack = (variant: string) => variant === VIDEO_STORYBOARD.track;

/** The variant a storyboard track's cues point at, and nothing else: the only one its credential is extended to. */
export const STORYBOARD_SPRITE = VIDEO_STORYBOARD.sprite;

const TIMING = /-->/;

/** Adds the query to every cue payload line that is a relative URL; headers, notes and timings are untouched. */
export function addParamsToVtt(vtt: string, params: Record<string, string>): string {
  if (!/^(\uFEFF)?WEBVTT(\s|$)/.test(vtt)) throw new TypeError('not a WebVTT file');
  const query = queryOf(params);
  if (query === '') return vtt;
  let inCue = false;
  return vtt
    .split(/(\r?\n)/)
    .map((line) => {
      if (line === '\n' || line === '\r\n') return line;
      const trimmed = line.trim();
      if (trimmed === '') {
        inCue = false;
        return line;
      }
      if (TIMING.test(trimmed)) {
        inCue = true;
        return line;
      }
      // A cue payload that is one URL (no spaces): the thumbnails convention.
      return inCue && !/\s/.test(trimmed) ? withQuery(trimmed, query) : line;
    })
    .join('');
}
