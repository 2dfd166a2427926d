/**
 * Time from the end of an upload (the original is in the raw bucket, the job
 * submitted) to the first playable file and to the full ladder, through the
 * local transcoder (FfmpegTranscoder: S3 in and out, ffprobe, the stepped
 * passes of origin/processing/video/ffmpeg-passes.ts, the quick and final
 * events), beside a plain ffmpeg baseline in the same run: ONE ffmpeg
 * writing the whole ladder + preview + poster from a local file, no S3 (what
 * the pipeline did before, where nothing played until it finished).
 * Ratios are to the clip's duration.
 *
 * Without arguments it runs the three clips of issue 15 one after another:
 * 30 s and 5 min 1080p H.264, and 30 s 1080p HEVC (each with its own baseline).
 *
 *   node --import tsx bench/video-first-playable.ts [seconds codec=h264|hevc height]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FfmpegTranscoder } from '../local/ffmpeg-transcoder.ts';
import { startLocalS3 } from '../local/s3-server.ts';
import { openStorage } from '../origin/core/storage.ts';
import { planVideo, transcodeWithFfmpeg } from '../origin/processing/video/ffmpeg.ts';
import { probeVideo } from '../origin/processing/video/ffprobe.ts';
import { openPgliteDatabase } from '../shared/db/pglite.ts';

const exec = promisify(execFile);
const cases: [number, 'h264' | 'hevc', number][] = process.argv[2]
  ? [[Number(process.argv[2]), process.argv[3] === 'hevc' ? 'hevc' : 'h264', Number(process.argv[4] ?? 1080)]]
  : [
      [30, 'h264', 1080],
      [300, 'h264', 1080],
      [30, 'hevc', 1080],
    ];
console.log(
  `load before: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (1/5/15 min)`,
);
for (const [seconds, codec, height] of cases) await runCase(seconds, codec, height);
console.log(
  `load after: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (1/5/15 min)`,
);

async function runCase(seconds: number, codec: 'h264' | 'hevc', height: number): Promise<void> {
  const width = Math.round((height * 16) / 9 / 2) * 2;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-first-playable-'));
  const s3 = await startLocalS3({ directory: path.join(dir, 's3'), port: 0, buckets: ['raw', 'derivatives'], corsOrigins: [] });
  const storage = openStorage({ endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

  try {
    const clip = path.join(dir, 'clip.mp4');
    const encoder =
      codec === 'hevc'
        ? ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1']
        : ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18'];
    await exec('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=30:duration=${seconds}`],
      ...[
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=440:duration=${seconds}`,
        '-pix_fmt',
        'yuv420p',
        ...encoder,
        '-c:a',
        'aac',
        '-shortest',
        clip,
      ],
    ]);
    const bytes = await readFile(clip);
    const assetId = '00000000-0000-4000-8000-000000000001';
    await storage.put('raw', `${assetId}/original`, bytes, { contentLength: bytes.length });

    // (a) the local transcoder, end to end.
    const pg = await openPgliteDatabase();
    const marks: { phase: string; at: number; status: string }[] = [];
    let t0 = 0;
    const transcoder = await new FfmpegTranscoder({
      db: pg.db,
      storage,
      onComplete: async (e) =>
        void marks.push({ phase: e.detail.userMetadata.phase ?? '?', at: (performance.now() - t0) / 1000, status: e.detail.status }),
    }).start();
    t0 = performance.now();
    await transcoder.submit({
      assetId,
      jobId: '00000000-0000-4000-8000-000000000002',
      inputBucket: 'raw',
      inputKey: `${assetId}/original`,
      outputBucket: 'derivatives',
      outputPrefix: `${assetId}/`,
    });
    await transcoder.idle();
    await transcoder.close();
    await pg.close();
    const last = marks.at(-1);
    if (last?.status !== 'COMPLETE') throw new Error('transcode failed');
    const first = marks[0]!;
    const progressive = (await storage.head('derivatives', `${assetId}/progressive.mp4`)) !== null;

    // (b) plain ffmpeg: the whole profile in one pass, local files.
    const probe = await probeVideo(clip);
    const t1 = performance.now();
    await transcodeWithFfmpeg(clip, path.join(dir, 'baseline'), planVideo(probe), { fps: probe.fps });
    const baseline = (performance.now() - t1) / 1000;

    const x = (s: number) => `${s.toFixed(1)} s = ${(s / seconds).toFixed(2)}x`;
    console.log(
      `clip: ${seconds} s ${width}x${height} 30 fps ${codec === 'hevc' ? 'HEVC' : 'H.264'} + AAC (${(bytes.length / 1e6).toFixed(1)} MB); ${os.cpus().length} cores, node ${process.version}`,
    );
    console.log(`(a) first playable (${progressive ? 'progressive.mp4 stream copy' : '360p rung'}): ${x(first.at)}`);
    for (const m of marks.slice(1, -1)) console.log(`    next quick phase:                ${x(m.at)}`);
    console.log(`(a) full ladder (final event):      ${x(last.at)}`);
    console.log(`(b) plain ffmpeg, whole profile:    ${x(baseline)} (nothing playable before it ends)`);
    console.log(
      `first playable (a) / baseline (b): ${(first.at / baseline).toFixed(2)}; full ladder (a)/(b): ${(last.at / baseline).toFixed(2)}`,
    );
  } finally {
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  }
}
