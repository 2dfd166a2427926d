/**
 * The multivariant playlist of a ladder built in steps: each ffmpeg pass
 * writes a playlist for its own rungs, and the published `hls/master.m3u8`
 * lists the rungs of every finished pass, lowest bandwidth first. It is
 * uploaded after the rungs it names, so a player never sees an incomplete one.
 */
import { parseAttributes } from './hls-playlist.ts';

const STREAM_INF = '#EXT-X-STREAM-INF:';

/** Merges multivariant playlists: the highest EXT-X-VERSION, shared tags once, every variant once, by bandwidth. */
export function mergeMasterPlaylists(texts: readonly string[]): string {
  let version = 3;
  const tags = new Set<string>();
  const variants = new Map<string, { inf: string; bandwidth: number }>();
  for (const text of texts) {
    const lines = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    if (lines[0] !== '#EXTM3U') throw new TypeError('not an M3U8 playlist');
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith('#EXT-X-VERSION:')) version = Math.max(version, Number(line.slice('#EXT-X-VERSION:'.length)) || 3);
      else if (line.startsWith(STREAM_INF)) {
        const uri = lines[i + 1];
        if (!uri || uri.startsWith('#')) continue;
        variants.set(uri, { inf: line, bandwidth: Number(parseAttributes(line.slice(STREAM_INF.length)).BANDWIDTH ?? 0) });
        i++;
      } else if (line.startsWith('#EXT-X-INDEPENDENT-SEGMENTS')) tags.add(line);
    }
  }
  if (variants.size === 0) throw new TypeError('no variant to list');
  const sorted = [...variants].sort((a, b) => a[1].bandwidth - b[1].bandwidth);
  return ['#EXTM3U', `#EXT-X-VERSION:${version}`, ...tags, ...sorted.flatMap(([uri, v]) => [v.inf, uri]), ''].join('\n');
}
