/**
 * The progressive copy: when the original's streams are ones every current
 * browser decodes, they are copied (no re-encode) into `progressive.mp4`
 * with the moov atom first, so a player can start before the ladder exists.
 * The decision is made from ffprobe of the original, never from its name or
 * declared type; the container does not matter (MOV, MP4, WebM, MKV are all
 * remuxed into MP4: VP9, AV1 and Opus play from MP4 in Chrome, Firefox and
 * Edge, and one name keeps one content type).
 *
 * Only the first video and first audio stream are kept, and all container
 * and stream metadata is dropped (`-map_metadata -1`): phones write the
 * recording place into MOV metadata, and whoever may only view must not get
 * it from this file (the original keeps it, for those who may download).
 */
import path from 'node:path';
import { VIDEO_PROGRESSIVE } from '../../../shared/profiles/video.ts';
import { OriginError } from '../../core/errors.ts';
import type { ProbeResult } from './ffprobe.ts';
import { runTool } from './run-tool.ts';

const has = (list: readonly string[], v: string | null) => v !== null && list.includes(v);

/** Whether the original can be remuxed into a file browsers play (codecs, 8-bit 4:2:0, bounded bit rate and pixels). */
export function isBrowserPlayable(probe: ProbeResult): boolean {
  const p = VIDEO_PROGRESSIVE;
  return (
    has(p.videoCodecs, probe.videoCodec) &&
    has(p.pixelFormats, probe.pixFmt) &&
    (probe.bitRate === 0 || probe.bitRate <= p.maxBitrate) &&
    probe.width * probe.height <= p.maxPixels &&
    probe.durationSec > 0
  );
}

/** Copies video; copies audio when browsers play it, otherwise re-encodes only the audio to AAC. */
export function buildRemuxArgs(input: string, outDir: string, probe: ProbeResult): string[] {
  const audio =
    probe.audioCodec === null
      ? []
      : has(VIDEO_PROGRESSIVE.audioCodecs, probe.audioCodec)
        ? ['-c:a', 'copy']
        : ['-c:a', 'aac', '-b:a', '128k'];
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-i',
    input,
    '-map',
    '0:v:0',
    ...(probe.audioCodec === null ? [] : ['-map', '0:a:0']),
    '-c:v',
    'copy',
    ...audio,
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    path.join(outDir, VIDEO_PROGRESSIVE.kind),
  ];
}

export async function remuxProgressive(
  input: string,
  outDir: string,
  probe: ProbeResult,
  opts: { ffmpeg?: string; onSpawn?: (pid: number) => void } = {},
): Promise<void> {
  const res = await runTool(opts.ffmpeg ?? 'ffmpeg', buildRemuxArgs(input, outDir, probe), opts.onSpawn);
  if (res.code !== 0) {
    const last = res.stderr.trim().split('\n').at(-1) ?? '';
    throw new OriginError('transcode_failed', `ffmpeg remux exited with ${res.code ?? 'a signal'}: ${last}`.trim());
  }
}
