/**
 * ffprobe (Debian's) for the local transcoder: duration, codecs, display
 * size (rotation and pixel aspect ratio applied) and whether there is audio.
 */
import { OriginError } from '../../core/errors.ts';
import { runTool } from './run-tool.ts';

export interface ProbeResult {
  durationSec: number;
  /** Display size: what a player shows, after rotation and pixel aspect ratio. */
  width: number;
  height: number;
  videoCodec: string;
  audioCodec: string | null;
  /** Frames per second (average), 0 when unknown. */
  fps: number;
  /** The video stream's pixel format (`yuv420p`, `yuv420p10le`, ...), null when unknown. */
  pixFmt: string | null;
  /** Overall bit rate of the file (bit/s), 0 when unknown. */
  bitRate: number;
}

interface RawStream {
  codec_type?: string;
  codec_name?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
  disposition?: { attached_pic?: number };
}

interface RawProbe {
  streams?: RawStream[];
  format?: { duration?: string; bit_rate?: string };
}

function ratio(s: string | undefined): number {
  const [n, d] = (s ?? '').split(/[:/]/).map(Number);
  return n && d ? n / d : 0;
}

function rotation(s: RawStream): number {
  const side = s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  return Math.abs(Math.round(side ?? Number(s.tags?.rotate ?? 0))) % 180;
}

/** Interprets ffprobe's JSON; throws `no_video` when there is no (non-cover-art) video stream. */
export function parseProbe(raw: RawProbe): ProbeResult {
  const streams = raw.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && s.width && s.height);
  if (!video) throw new OriginError('no_video', 'the original has no video stream');
  const audio = streams.find((s) => s.codec_type === 'audio');
  const sar = ratio(video.sample_aspect_ratio) || 1;
  let width = Math.round(video.width! * sar);
  let height = video.height!;
  if (rotation(video) === 90) [width, height] = [height, width];
  const duration = Number(raw.format?.duration ?? video.duration ?? 0);
  return {
    durationSec: Number.isFinite(duration) ? duration : 0,
    width,
    height,
    videoCodec: video.codec_name ?? 'unknown',
    audioCodec: audio?.codec_name ?? null,
    fps: ratio(video.avg_frame_rate) || ratio(video.r_frame_rate),
    pixFmt: video.pix_fmt ?? null,
    bitRate: Number(raw.format?.bit_rate) || 0,
  };
}

export async function probeVideo(file: string, ffprobe = 'ffprobe'): Promise<ProbeResult> {
  const res = await runTool(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  if (res.code !== 0) {
    throw new OriginError('probe_failed', `ffprobe could not read the original: ${res.stderr.trim().split('\n').at(-1) ?? ''}`);
  }
  let raw: RawProbe;
  try {
    raw = JSON.parse(res.stdout) as RawProbe;
  } catch (e) {
    throw new OriginError('probe_failed', 'ffprobe printed no JSON', { cause: e });
  }
  return parseProbe(raw);
}
