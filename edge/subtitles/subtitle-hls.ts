/**
 * Subtitles as HLS renditions (RFC 8216 4.4.6.1): one media playlist per
 * language whose single segment is the whole WebVTT file, and
 * `#EXT-X-MEDIA:TYPE=SUBTITLES` entries in the master playlist with
 * `SUBTITLES="subs"` on every variant.
 *
 * The stored master is written by the transcoders (rewritten as rungs
 * finish, and by MediaConvert in AWS), so subtitles are not stored in it:
 * the edge adds them when it serves the master, from the asset's subtitle
 * rows. Whatever transcoder writes the master, whenever, the subtitles stay.
 */
import { SUBTITLES, subtitleStem } from '../../shared/profiles/subtitles.ts';

export interface SubtitleRendition {
  language: string;
  label: string;
}

const STREAM_INF = '#EXT-X-STREAM-INF:';
const SUBTITLE_MEDIA = /^#EXT-X-MEDIA:.*TYPE=SUBTITLES/;

/** The media playlist of one subtitle file (`{stem}.vtt` beside it), lasting `durationSec`. */
export function subtitlePlaylist(language: string, durationSec: number): string {
  const d = Math.max(1, durationSec);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(d)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${d.toFixed(3)},`,
    `${subtitleStem(language)}.vtt`,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

/** A quoted-string attribute value: labels are checked text, but `"` and line breaks cannot be quoted in M3U8. */
const quoted = (s: string) => `"${s.replace(/["\r\n]/g, "'")}"`;

/**
 * The master playlist with the given subtitle renditions (replacing any it
 * had): entries after the header tags, `SUBTITLES="subs"` on each variant.
 * NAME must be unique in a group, so a repeated label gets its language.
 */
export function withSubtitleRenditions(master: string, renditions: readonly SubtitleRendition[]): string {
  if (!master.startsWith('#EXTM3U')) throw new TypeError('not an M3U8 playlist');
  const lines = master.split(/\r?\n/).filter((l) => !SUBTITLE_MEDIA.test(l));
  const stripped = lines.map((l) => (l.startsWith(STREAM_INF) ? l.replace(/,SUBTITLES="[^"]*"/, '') : l));
  if (renditions.length === 0) return stripped.join('\n');
  const seen = new Set<string>();
  const media = renditions.map((r) => {
    const name = seen.has(r.label) ? `${r.label} (${r.language})` : r.label;
    seen.add(name);
    return `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLES.groupId}",NAME=${quoted(name)},LANGUAGE=${quoted(r.language)},DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/${subtitleStem(r.language)}.m3u8"`;
  });
  const out: string[] = [];
  let placed = false;
  for (const line of stripped) {
    if (!placed && line.startsWith(STREAM_INF)) {
      out.push(...media);
      placed = true;
    }
    out.push(line.startsWith(STREAM_INF) ? `${line},SUBTITLES="${SUBTITLES.groupId}"` : line);
  }
  if (!placed) out.push(...media);
  return out.join('\n');
}
