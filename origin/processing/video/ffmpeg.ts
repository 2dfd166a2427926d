/**
 * The shared video profile as ONE ffmpeg invocation: the source is decoded
 * once and split into every HLS rung (muxed H.264 + AAC, `-var_stream_map`,
 * master playlist by `-master_pl_name`), the poster captures and the preview.
 * File names match what MediaConvert writes for the same profile.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  HLS,
  VIDEO_AUDIO,
  VIDEO_POSTER,
  VIDEO_PREVIEW,
  VIDEO_PREVIEW_FILE,
  VIDEO_QUALITY,
  fitWithin,
  planLadder,
  type PlannedRung,
  type SourceSize,
} from '../../../shared/profiles/video.ts';
import { OriginError } from '../../core/errors.ts';
import type { ProbeResult } from './ffprobe.ts';
import { runTool } from './run-tool.ts';

export interface VideoPlan {
  rungs: PlannedRung[];
  preview: SourceSize;
  poster: SourceSize;
  hasAudio: boolean;
}

export function planVideo(probe: ProbeResult): VideoPlan {
  return {
    rungs: planLadder(probe),
    preview: fitWithin(probe, VIDEO_PREVIEW.maxWidth, VIDEO_PREVIEW.maxHeight),
    poster: fitWithin(probe, VIDEO_POSTER.maxWidth, VIDEO_POSTER.maxHeight),
    hasAudio: probe.audioCodec !== null,
  };
}

const kbit = (bps: number) => `${Math.round(bps / 1000)}k`;
const scale = (s: SourceSize) => `scale=${s.width}:${s.height}:flags=bicubic,setsar=1`;

export interface FfmpegArgsOptions {
  /** x264 preset; the local stand-in favours speed. @default 'veryfast' */
  preset?: string;
  /** Source frame rate, for the GOP length in frames; 0 = unknown. */
  fps?: number;
}

/** The argument list (no shell); outputs go to `outDir/hls/...`, `outDir/preview.mp4`, `outDir/poster.NNNNNNN.jpg`. */
export function buildFfmpegArgs(input: string, outDir: string, plan: VideoPlan, opts: FfmpegArgsOptions = {}): string[] {
  const preset = opts.preset ?? 'veryfast';
  const n = plan.rungs.length;
  const labels = [...plan.rungs.map((_, i) => `r${i}`), 'pv', 'ps'];
  const graph = [
    `[0:v]split=${n + 2}${labels.map((l) => `[s${l}]`).join('')}`,
    ...plan.rungs.map((r, i) => `[sr${i}]${scale(r)},format=yuv420p[r${i}]`),
    `[spv]${scale(plan.preview)},format=yuv420p[pv]`,
    `[sps]fps=${VIDEO_POSTER.capturesPerSecond},${scale(plan.poster)}[ps]`,
  ].join(';');

  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-i', input, '-filter_complex', graph];

  // 1. The HLS ladder.
  plan.rungs.forEach((_, i) => {
    args.push('-map', `[r${i}]`);
    if (plan.hasAudio) args.push('-map', '0:a:0');
  });
  args.push('-c:v', 'libx264', '-preset', preset, '-crf', String(VIDEO_QUALITY.x264Crf));
  plan.rungs.forEach((r, i) => {
    args.push(`-maxrate:v:${i}`, kbit(r.videoBitrate), `-bufsize:v:${i}`, kbit(r.videoBitrate * 2), `-profile:v:${i}`, r.h264Profile);
  });
  const gopFrames = opts.fps ? Math.max(1, Math.round(opts.fps * HLS.gopSeconds)) : 0;
  args.push('-force_key_frames', `expr:gte(t,n_forced*${HLS.gopSeconds})`, '-sc_threshold', '0');
  if (gopFrames) args.push('-g', String(gopFrames), '-keyint_min', String(gopFrames));
  if (plan.hasAudio) {
    args.push('-c:a', 'aac', '-ac', String(VIDEO_AUDIO.channels), '-ar', String(VIDEO_AUDIO.sampleRate));
    for (const [i, r] of plan.rungs.entries()) args.push(`-b:a:${i}`, kbit(r.audioBitrate));
  }
  const streamMap = plan.rungs.map((r, i) => `v:${i}${plan.hasAudio ? `,a:${i}` : ''},name:${r.name}`).join(' ');
  const hlsDir = path.join(outDir, HLS.dir);
  args.push(
    '-f',
    'hls',
    '-hls_time',
    String(HLS.segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_flags',
    'independent_segments',
    '-hls_segment_type',
    'mpegts',
    '-start_number',
    String(HLS.firstSegment),
    '-hls_segment_filename',
    path.join(hlsDir, `${HLS.baseName}_%v_%0${HLS.segmentDigits}d.ts`),
    '-master_pl_name',
    `${HLS.baseName}.m3u8`,
    '-var_stream_map',
    streamMap,
    path.join(hlsDir, `${HLS.baseName}_%v.m3u8`),
  );

  // 2. The preview: whole clip, small, no audio (as the MediaConvert job).
  args.push(
    '-map',
    '[pv]',
    '-an',
    '-c:v',
    'libx264',
    '-preset',
    preset,
    '-crf',
    String(VIDEO_QUALITY.previewCrf),
    '-maxrate',
    kbit(VIDEO_PREVIEW.videoBitrate),
    '-bufsize',
    kbit(VIDEO_PREVIEW.videoBitrate * 2),
    '-profile:v',
    VIDEO_PREVIEW.h264Profile,
    '-movflags',
    '+faststart',
    path.join(outDir, VIDEO_PREVIEW_FILE),
  );

  // 3. Poster captures at 0 s, 1 s, ... named like MediaConvert's frame capture.
  args.push(
    '-map',
    '[ps]',
    '-frames:v',
    String(VIDEO_POSTER.maxCaptures),
    '-q:v',
    '3',
    '-start_number',
    '0',
    '-f',
    'image2',
    path.join(outDir, `${VIDEO_POSTER.baseName}.%0${VIDEO_POSTER.counterDigits}d.jpg`),
  );
  return args;
}

export interface RunFfmpegOptions extends FfmpegArgsOptions {
  ffmpeg?: string;
  /** Receives the child's pid as soon as it runs (so an owner can kill it). */
  onSpawn?: (pid: number) => void;
}

/** Transcodes `input` into `outDir` following `plan`; throws `transcode_failed` with ffmpeg's last error line. */
export async function transcodeWithFfmpeg(input: string, outDir: string, plan: VideoPlan, opts: RunFfmpegOptions = {}): Promise<void> {
  await mkdir(path.join(outDir, HLS.dir), { recursive: true });
  const res = await runTool(opts.ffmpeg ?? 'ffmpeg', buildFfmpegArgs(input, outDir, plan, opts), opts.onSpawn);
  if (res.code !== 0) {
    const last = res.stderr.trim().split('\n').at(-1) ?? '';
    throw new OriginError('transcode_failed', `ffmpeg exited with ${res.code ?? 'a signal'}: ${last}`.trim());
  }
}
