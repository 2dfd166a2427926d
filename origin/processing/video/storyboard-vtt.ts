/**
 * The WebVTT thumbnails track of a storyboard: one cue per tile, whose text
 * is the sprite's relative URL with a media fragment `#xywh=x,y,w,h` (the
 * convention of JW Player, Video.js and Vidstack). The URL is relative, so
 * it resolves next to the track wherever the track is served; the edge adds
 * the caller's credential to it (edge/delivery/storyboard-track.ts).
 */
import { VIDEO_STORYBOARD, type StoryboardPlan } from '../../../shared/profiles/video.ts';

const two = (n: number) => String(n).padStart(2, '0');

/** `HH:MM:SS.mmm`. */
export function vttTime(sec: number): string {
  const ms = Math.round(sec * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${two(h)}:${two(m)}:${two(s)}.${String(ms % 1000).padStart(3, '0')}`;
}

export function buildStoryboardVtt(plan: StoryboardPlan, durationSec: number): string {
  const cues: string[] = [];
  for (let i = 0; i < plan.count; i++) {
    const start = i * plan.intervalSec;
    if (i > 0 && start >= durationSec) break;
    const end = Math.min(durationSec, start + plan.intervalSec);
    const x = (i % plan.columns) * plan.tile.width;
    const y = Math.floor(i / plan.columns) * plan.tile.height;
    cues.push(
      `${vttTime(start)} --> ${vttTime(Math.max(end, start + 0.001))}\n${VIDEO_STORYBOARD.sprite}#xywh=${x},${y},${plan.tile.width},${plan.tile.height}`,
    );
  }
  return `WEBVTT\n\n${cues.join('\n\n')}\n`;
}
