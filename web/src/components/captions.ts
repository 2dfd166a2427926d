/**
 * Captions for the video player. With HLS the subtitle renditions come in
 * the master playlist (the edge adds them), and hls.js or the browser turn
 * them into text tracks; a progressive MP4 has no playlist, so its tracks
 * are `<track>` elements from the asset's subtitle list (signed WebVTT URLs).
 * Either way the captions menu lists the video element's text tracks.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';

export interface SubtitleTrack {
  language: string;
  label: string;
  url: string;
}

/** The asset's subtitle tracks (none while loading, or on any error: captions are optional). */
export function useSubtitleTracks(assetId: string | null | undefined, enabled: boolean): SubtitleTrack[] {
  const [tracks, setTracks] = useState<SubtitleTrack[]>([]);
  useEffect(() => {
    if (!assetId || !enabled) return setTracks([]);
    const ctl = new AbortController();
    api('GET /api/assets/{id}/subtitles', { path: { id: assetId }, signal: ctl.signal }).then(
      (r) => setTracks(r.items.map(({ language, label, url }) => ({ language, label, url }))),
      () => setTracks([]),
    );
    return () => ctl.abort();
  }, [assetId, enabled]);
  return tracks;
}

export interface CaptionOption {
  index: number;
  label: string;
  language: string;
}

/** The subtitle/caption text tracks of a video element (metadata tracks such as chapters are not captions). */
export function captionOptions(video: HTMLVideoElement): CaptionOption[] {
  const out: CaptionOption[] = [];
  for (let i = 0; i < video.textTracks.length; i++) {
    const t = video.textTracks[i]!;
    if (t.kind === 'subtitles' || t.kind === 'captions')
      out.push({ index: i, label: t.label || t.language || `Track ${i + 1}`, language: t.language });
  }
  return out;
}

/** Shows one text track (or none, for -1) and disables the rest. */
export function showCaptions(video: HTMLVideoElement, index: number): void {
  for (let i = 0; i < video.textTracks.length; i++) {
    const t = video.textTracks[i]!;
    if (t.kind === 'subtitles' || t.kind === 'captions') t.mode = i === index ? 'showing' : 'disabled';
  }
}
