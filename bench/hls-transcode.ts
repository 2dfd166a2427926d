/**
 * HLS transcode time relative to clip duration, in one run:
 *  (a) the local MediaConvert stand-in end to end (FfmpegTranscoder: stream
 *      the original from a local S3 server, ffprobe, ONE ffmpeg for the full
 *      ladder + preview + poster, stream every output back, build the event);
 *  (b) the same outputs with one ffmpeg per output (decoding the source six
 *      times), the obvious alternative, ffmpeg only (no S3).
 * Prints seconds and the ratio to the clip's duration (< 1 = faster than real time).
 *
 *   node --import tsx bench/hls-transcode.ts [seconds=30] [height=1080] [preset=veryfast]
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { MediaConvertJobEvent } from '../origin/events/mediaconvert.ts';
import { FfmpegTranscoder } from '../local/ffmpeg-transcoder.ts';
import { startLocalS3 } from '../local/s3-server.ts';
import { planVideo } from '../origin/processing/video/ffmpeg.ts';
import { probeVideo } from '../origin/processing/video/ffprobe.ts';
import { HLS, VIDEO_AUDIO, VIDEO_POSTER, VIDEO_PREVIEW, VIDEO_QUALITY } from '../shared/profiles/video.ts';
import { openPgliteDatabase } from '../shared/db/pglite.ts';
import { openStorage } from '../origin/core/storage.ts';

const exec = promisify(execFile);
const seconds = Number(process.argv[2] ?? 30);
const height = Number(process.argv[3] ?? 1080);
const preset = process.argv[4] ?? 'veryfast';
const width = Math.round((height * 16) / 9 / 2) * 2;

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-hls-'));
const s3 = await startLocalS3({ directory: path.join(dir, 's3'), port: 0, buckets: ['raw', 'derivatives'], corsOrigins: [] });
const storage = openStorage({ endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

try {
  const clip = path.join(dir, 'clip.mp4');
  await exec('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=30:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${seconds}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '18',
    '-c:a',
    'aac',
    '-shortest',
    clip,
  ]);
  const bytes = await readFile(clip);
  const assetId = '00000000-0000-4000-8000-000000000001';
  await storage.put('raw', `${assetId}/original`, bytes, { contentLength: bytes.length });
  const probe = await probeVideo(clip);
  const plan = planVideo(probe);

  // (a) end to end through the local transcoder.
  let event: MediaConvertJobEvent | undefined;
  // Its job queue lives in Postgres (an in-memory PGlite here).
  const pg = await openPgliteDatabase();
  const transcoder = await new FfmpegTranscoder({ db: pg.db, storage, preset, onComplete: async (e) => void (event = e) }).start();
  const t0 = performance.now();
  await transcoder.submit({
    assetId,
    jobId: '00000000-0000-4000-8000-000000000002',
    inputBucket: 'raw',
    inputKey: `${assetId}/original`,
    outputBucket: 'derivatives',
    outputPrefix: `${assetId}/`,
  });
  await transcoder.idle();
  const oneRun = (performance.now() - t0) / 1000;
  await transcoder.close();
  await pg.close();
  if (event?.detail.status !== 'COMPLETE') throw new Error(`transcode failed: ${event?.detail.errorMessage}`);
  let outputs = 0;
  for await (const _ of storage.list('derivatives', `${assetId}/`)) outputs++;

  // (b) one ffmpeg per output.
  const out = path.join(dir, 'separate');
  await mkdir(out);
  const x264 = [
    '-c:v',
    'libx264',
    '-preset',
    preset,
    '-crf',
    String(VIDEO_QUALITY.x264Crf),
    '-force_key_frames',
    `expr:gte(t,n_forced*${HLS.gopSeconds})`,
    '-sc_threshold',
    '0',
  ];
  const runs: string[][] = plan.rungs.map((r) => [
    '-i',
    clip,
    '-vf',
    `scale=${r.width}:${r.height},setsar=1,format=yuv420p`,
    ...x264,
    '-maxrate',
    `${r.videoBitrate / 1000}k`,
    '-bufsize',
    `${(2 * r.videoBitrate) / 1000}k`,
    '-profile:v',
    r.h264Profile,
    '-c:a',
    'aac',
    '-b:a',
    `${r.audioBitrate / 1000}k`,
    '-ac',
    String(VIDEO_AUDIO.channels),
    '-ar',
    String(VIDEO_AUDIO.sampleRate),
    '-f',
    'hls',
    '-hls_time',
    String(HLS.segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-start_number',
    '1',
    '-hls_segment_filename',
    path.join(out, `${r.name}_%05d.ts`),
    path.join(out, `${r.name}.m3u8`),
  ]);
  runs.push([
    '-i',
    clip,
    '-vf',
    `scale=${plan.preview.width}:${plan.preview.height},setsar=1,format=yuv420p`,
    '-an',
    ...x264.slice(0, 6),
    '-maxrate',
    `${VIDEO_PREVIEW.videoBitrate / 1000}k`,
    '-bufsize',
    `${(2 * VIDEO_PREVIEW.videoBitrate) / 1000}k`,
    path.join(out, 'preview.mp4'),
  ]);
  runs.push([
    '-i',
    clip,
    '-vf',
    `fps=1,scale=${plan.poster.width}:${plan.poster.height}`,
    '-frames:v',
    String(VIDEO_POSTER.maxCaptures),
    '-q:v',
    '3',
    '-start_number',
    '0',
    path.join(out, 'poster.%07d.jpg'),
  ]);
  const t1 = performance.now();
  for (const args of runs) await exec('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-nostdin', ...args]);
  const separate = (performance.now() - t1) / 1000;

  console.log(
    `clip: ${seconds} s ${width}x${height} 30 fps H.264 + AAC (${(bytes.length / 1e6).toFixed(1)} MB); x264 preset ${preset}; ${os.cpus().length} cores, node ${process.version}`,
  );
  console.log(
    `ladder: ${plan.rungs.map((r) => `${r.name} ${r.width}x${r.height}`).join(', ')} + preview ${plan.preview.width}x${plan.preview.height} + ${VIDEO_POSTER.maxCaptures} poster captures (${outputs} files)`,
  );
  console.log(`(a) local transcoder, one ffmpeg, S3 in and out: ${oneRun.toFixed(1)} s = ${(oneRun / seconds).toFixed(2)}x clip duration`);
  console.log(
    `(b) one ffmpeg per output, no S3:               ${separate.toFixed(1)} s = ${(separate / seconds).toFixed(2)}x clip duration`,
  );
  console.log(`ratio (b)/(a):                                   ${(separate / oneRun).toFixed(2)}x`);
} finally {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
}
