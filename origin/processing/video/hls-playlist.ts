/**
 * Just enough of RFC 8216 to read what our transcoders write: the variants of
 * a multivariant playlist and the segments of a media playlist.
 */

export interface HlsVariant {
  uri: string;
  bandwidth: number;
  width: number | null;
  height: number | null;
  /** The CODECS attribute split on commas, e.g. ['avc1.4d401f', 'mp4a.40.2']. */
  codecs: string[];
}

export interface HlsSegment {
  uri: string;
  durationSec: number;
}

export interface HlsMediaPlaylist {
  targetDurationSec: number;
  segments: HlsSegment[];
  /** EXT-X-ENDLIST present (a complete VOD playlist). */
  ended: boolean;
}

/** Attribute list of a tag line: `A=1,B="x,y"` -> { A: '1', B: 'x,y' }. */
export function parseAttributes(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(list)) !== null) out[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return out;
}

function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

export function parseMasterPlaylist(text: string): HlsVariant[] {
  const all = lines(text);
  if (all[0] !== '#EXTM3U') throw new TypeError('not an M3U8 playlist');
  const variants: HlsVariant[] = [];
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    if (!line.startsWith('#EXT-X-STREAM-INF:')) continue;
    const attrs = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length));
    const uri = all[i + 1];
    if (!uri || uri.startsWith('#')) continue;
    const [w, h] = (attrs.RESOLUTION ?? '').split('x').map(Number);
    variants.push({
      uri,
      bandwidth: Number(attrs.BANDWIDTH ?? 0),
      width: w || null,
      height: h || null,
      codecs: (attrs.CODECS ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    });
  }
  return variants;
}

export function parseMediaPlaylist(text: string): HlsMediaPlaylist {
  const all = lines(text);
  if (all[0] !== '#EXTM3U') throw new TypeError('not an M3U8 playlist');
  const segments: HlsSegment[] = [];
  let target = 0;
  let pending: number | null = null;
  for (const line of all) {
    if (line.startsWith('#EXT-X-TARGETDURATION:')) target = Number(line.slice('#EXT-X-TARGETDURATION:'.length));
    else if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (!line.startsWith('#') && pending !== null) {
      segments.push({ uri: line, durationSec: pending });
      pending = null;
    }
  }
  return { targetDurationSec: target, segments, ended: all.includes('#EXT-X-ENDLIST') };
}
