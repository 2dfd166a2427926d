/**
 * Scrubbing thumbnails: the storyboard's WebVTT track (cues whose text is
 * `storyboard.jpg?…#xywh=x,y,w,h`) read into tiles. Sprite URLs resolve
 * against the track's own URL, as a player resolves them; the edge has
 * already given them the caller's credential.
 */
import { useEffect, useState } from 'preact/hooks';

export interface StoryboardTile {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

const seconds = (t: string) => {
  const parts = t.split(':').map(Number);
  return parts.reduce((acc, p) => acc * 60 + p, 0);
};

/** Parses the cues of a thumbnails track; anything that is not a `#xywh=` cue is skipped. */
export function parseStoryboard(vtt: string, base: string): StoryboardTile[] {
  const tiles: StoryboardTile[] = [];
  const blocks = vtt.replace(/\r\n/g, '\n').split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split('\n');
    const timing = lines.findIndex((l) => l.includes('-->'));
    const payload = timing === -1 ? undefined : lines[timing + 1]?.trim();
    if (!payload) continue;
    const [from, to] = lines[timing]!.split('-->').map((s) => s.trim().split(/\s/)[0]!);
    const m = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(payload);
    if (!m || !from || !to) continue;
    tiles.push({
      start: seconds(from),
      end: seconds(to),
      url: new URL(m[1]!, base).toString(),
      x: +m[2]!,
      y: +m[3]!,
      w: +m[4]!,
      h: +m[5]!,
    });
  }
  return tiles;
}

export const tileAt = (tiles: StoryboardTile[], t: number) => tiles.find((c) => t >= c.start && t < c.end) ?? tiles.at(-1);

/** Loads the track once per URL; an unreadable track just means no thumbnails. */
export function useStoryboard(url: string | null | undefined): StoryboardTile[] {
  const [tiles, setTiles] = useState<StoryboardTile[]>([]);
  useEffect(() => {
    if (!url) return;
    let cancelled = false;
    const base = new URL(url, location.href).toString();
    fetch(base)
      .then((r) => (r.ok ? r.text() : ''))
      .then((text) => !cancelled && setTiles(text ? parseStoryboard(text, base) : []))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [url]);
  return tiles;
}
