/**
 * The shared video profile as ffmpeg passes: each pass decodes the source
 * once and splits it into its outputs — HLS rungs (muxed H.264 + AAC,
 * `-var_stream_map`, a multivariant playlist by `-master_pl_name`), poster
 * captures, the preview clip, the storyboard sprite. ffmpeg-passes.ts
 * decides which pass writes what. File names match MediaConvert's.
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
  VIDEO_STORYBOARD,
  fitWithin,
  planLadder,
  type PlannedRung,
  type SourceSize,
  type StoryboardPlan,
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

/** What one ffmpeg pass writes; the passes of a job split the profile between them. */
export interface PassOutputs {
  /** The HLS rungs of this pass (none: no HLS output). */
  rungs: readonly PlannedRung[];
  /** File name of the multivariant playlist ffmpeg writes in `hls/` for these rungs. */
  masterName: string;
  poster: boolean;
  preview: boolean;
  storyboard: StoryboardPlan | null;
}

/** Everything in one pass (what MediaConvert's single job used to do). */
export const wholeProfile = (plan: VideoPlan): PassOutputs => ({
  rungs: plan.rungs,
  masterName: `${HLS.baseName}.m3u8`,
  poster: true,
  preview: true,
  storyboard: null,
});

/** The argument list (no shell); outputs go to `outDir/hls/...`, `outDir/preview.mp4`, `outDir/poster.NNNNNNN.jpg`, `outDir/storyboard.jpg`. */
export function buildFfmpegArgs(
  input: string,
  outDir: string,
  plan: VideoPlan,
  opts: FfmpegArgsOptions = {},
  out: PassOutputs = wholeProfile(plan),
): string[] {
  const preset = opts.preset ?? 'veryfast';
  const rungs = out.rungs;
  const branches = [
    ...rungs.map((r, i) => ({ label: `r${i}`, filter: `${scale(r)},format=yuv420p` })),
    ...(out.preview ? [{ label: 'pv', filter: `${scale(plan.preview)},format=yuv420p` }] : []),
    ...(out.poster ? [{ label: 'ps', filter: `fps=${VIDEO_POSTER.capturesPerSecond},${scale(plan.poster)}` }] : []),
    ...(out.storyboard
      ? [
          {
            label: 'sb',
            filter: `fps=1/${out.storyboard.intervalSec},${scale(out.storyboard.tile)},tile=${out.storyboard.columns}x${out.storyboard.rows}`,
          },
        ]
      : []),
  ];
  if (branches.length === 0) throw new TypeError('an ffmpeg pass needs at least one output');
  const graph = [
    `[0:v]split=${branches.length}${branches.map((b) => `[s${b.label}]`).join('')}`,
    ...branches.map((b) => `[s${b.label}]${b.filter}[${b.label}]`),
  ].join(';');

  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-i', input, '-filter_complex', graph];

  // 1. HLS rungs.
  if (rungs.length > 0) {
    rungs.forEach((_, i) => {
      args.push('-map', `[r${i}]`);
      if (plan.hasAudio) args.push('-map', '0:a:0');
    });
    args.push('-c:v', 'libx264', '-preset', preset, '-crf', String(VIDEO_QUALITY.x264Crf));
    rungs.forEach((r, i) => {
      args.push(`-maxrate:v:${i}`, kbit(r.videoBitrate), `-bufsize:v:${i}`, kbit(r.videoBitrate * 2), `-profile:v:${i}`, r.h264Profile);
    });
    const gopFrames = opts.fps ? Math.max(1, Math.round(opts.fps * HLS.gopSeconds)) : 0;
    args.push('-force_key_frames', `expr:gte(t,n_forced*${HLS.gopSeconds})`, '-sc_threshold', '0');
    if (gopFrames) args.push('-g', String(gopFrames), '-keyint_min', String(gopFrames));
    if (plan.hasAudio) {
      args.push('-c:a', 'aac', '-ac', String(VIDEO_AUDIO.channels), '-ar', String(VIDEO_AUDIO.sampleRate));
      for (const [i, r] of rungs.entries()) args.push(`-b:a:${i}`, kbit(r.audioBitrate));
    }
    const streamMap = rungs.map((r, i) => `v:${i}${plan.hasAudio ? `,a:${i}` : ''},name:${r.name}`).join(' ');
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
      out.masterName,
      '-var_stream_map',
      streamMap,
      path.join(hlsDir, `${HLS.baseName}_%v.m3u8`),
    );
  }

  // 2. The preview: the first seconds, small, no audio (as the MediaConvert preview job).
  if (out.preview) {
    args.push('-map', '[pv]', '-an', '-t', String(VIDEO_PREVIEW.maxSeconds), '-c:v', 'libx264', '-preset', preset);
    args.push('-crf', String(VIDEO_QUALITY.previewCrf), '-maxrate', kbit(VIDEO_PREVIEW.videoBitrate));
    args.push('-bufsize', kbit(VIDEO_PREVIEW.videoBitrate * 2), '-profile:v', VIDEO_PREVIEW.h264Profile);
    args.push('-movflags', '+faststart', path.join(outDir, VIDEO_PREVIEW_FILE));
  }

  // 3. Poster captures at 0 s, 1 s, ... named like MediaConvert's frame capture.
  if (out.poster) {
    args.push('-map', '[ps]', '-frames:v', String(VIDEO_POSTER.maxCaptures), '-q:v', '3', '-start_number', '0', '-f', 'image2');
    args.push(path.join(outDir, `${VIDEO_POSTER.baseName}.%0${VIDEO_POSTER.counterDigits}d.jpg`));
  }

  // 4. The storyboard sprite: one tiled image (the tile filter flushes a partly filled sheet at the end).
  if (out.storyboard) {
    args.push('-map', '[sb]', '-frames:v', '1', '-q:v', '5', '-f', 'image2', '-update', '1');
    args.push(path.join(outDir, VIDEO_STORYBOARD.sprite));
  }
  return args;
}

export interface RunFfmpegOptions extends FfmpegArgsOptions {
  ffmpeg?: string;
  /** Receives the child's pid as soon as it runs (so an owner can kill it). */
  onSpawn?: (pid: number) => void;
}

/** Runs one pass of `plan` into `outDir`; throws `transcode_failed` with ffmpeg's last error line. */
export async function transcodeWithFfmpeg(
  input: string,
  outDir: string,
  plan: VideoPlan,
  opts: RunFfmpegOptions = {},
  out: PassOutputs = wholeProfile(plan),
): Promise<void> {
  await mkdir(path.join(outDir, HLS.dir), { recursive: true });
  const res = await runTool(opts.ffmpeg ?? 'ffmpeg', buildFfmpegArgs(input, outDir, plan, opts, out), opts.onSpawn);
  if (res.code !== 0) {
    const last = res.stderr.trim().split('\n').at(-1) ?? '';
    throw new OriginError('transcode_failed', `ffmpeg exited with ${res.code ?? 'a signal'}: ${last}`.trim());
  }
}
