/**
 * The local MediaConvert stand-in end to end, with Debian's ffmpeg for real:
 * a generated 7 s 960x540 clip (testsrc2 + sine) goes from the raw bucket
 * through one ffmpeg run to a playable HLS ladder (360p + 540p; 720p and
 * 1080p dropped: no upscaling), a poster and a preview in the derivatives
 * bucket, and the MediaConvert-shaped COMPLETE event goes through the same
 * completion handler the Lambda runs.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaConvertJobEvent } from '../../origin/events/mediaconvert.ts';
import { handleJobStateChange } from '../../origin/handlers/mediaconvert-complete.ts';
import { FfmpegTranscoder } from '../../local/ffmpeg-transcoder.ts';
import type { PipelineDeps } from '../../origin/core/deps.ts';
import { TRANSCODE_JOB_TYPE } from '../../origin/pipeline/video-complete.ts';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../origin/processing/video/hls-playlist.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { jobs } from '../../shared/db/schema.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { eq } from 'drizzle-orm';
import { assetRow, createAsset, createJob, derivativeRows, jobRow, keysUnder, makeDeps, objectBytes, openDb } from './support/video-env.ts';

const exec = promisify(execFile);
let work: string;
let handle: DatabaseHandle;
let deps: PipelineDeps;

async function ffprobeJson(
  file: string,
  extra: string[] = [],
): Promise<{ streams: Record<string, unknown>[]; format?: { duration?: string }; frames?: Record<string, unknown>[] }> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', ...extra, file]);
  return JSON.parse(stdout);
}

async function makeClip(name: string, args: string[]): Promise<Buffer> {
  const file = path.join(work, name);
  await exec('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, '-c:v', 'libx264', '-preset', 'ultrafast', file]);
  return readFile(file);
}

/** Puts an original in raw and creates the asset and its transcode job as ingest's hand-off does. */
async function prepare(bytes: Buffer) {
  const assetId = await createAsset(deps.db, { size: bytes.length });
  await deps.storage.put('raw', originalKey(assetId), bytes as Uint8Array<ArrayBuffer>, { contentLength: bytes.length });
  const jobId = await createJob(deps.db, { assetId, type: TRANSCODE_JOB_TYPE, status: 'queued' });
  const request = {
    assetId,
    jobId,
    inputBucket: 'raw',
    inputKey: originalKey(assetId),
    outputBucket: 'derivatives',
    outputPrefix: `${assetId}/`,
  };
  return { assetId, jobId, request };
}

function transcoderFor(
  events: MediaConvertJobEvent[],
  opts: Partial<ConstructorParameters<typeof FfmpegTranscoder>[0]> = {},
): Promise<FfmpegTranscoder> {
  return new FfmpegTranscoder({
    db: deps.db,
    storage: deps.storage,
    tmpDir: path.join(work, 'tmp'),
    onComplete: async (e) => {
      events.push(e);
      return handleJobStateChange(deps, e);
    },
    log: deps.log,
    ...opts,
  }).start();
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'video-ffmpeg-test-'));
  await mkdir(path.join(work, 'tmp'));
  handle = await openDb('pglite');
  deps = makeDeps(handle.db);
});
afterAll(async () => {
  await handle?.close();
  await rm(work, { recursive: true, force: true });
});

describe('a 7 s 960x540 clip with audio', () => {
  const events: MediaConvertJobEvent[] = [];
  let assetId: string;
  let jobId: string;
  let keys: string[];
  const hlsDir = () => path.join(work, 'hls-copy');

  beforeAll(async () => {
    const clip = await makeClip('with-audio.mp4', [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=960x540:rate=24:duration=7',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:duration=7',
      '-c:a',
      'aac',
      '-shortest',
    ]);
    const p = await prepare(clip);
    ({ assetId, jobId } = p);
    const transcoder = await transcoderFor(events);
    const { externalId } = await transcoder.submit(p.request);
    await deps.db.update(jobs).set({ externalId, status: 'processing', attempts: 1 }).where(eq(jobs.id, jobId));
    await transcoder.idle();
    await transcoder.close();
    keys = (await keysUnder(deps.storage, 'derivatives', `${assetId}/`)).map((k) => k.slice(assetId.length + 1));
    // A local copy of the HLS folder, so ffprobe can open the ladder as a player would.
    await mkdir(hlsDir());
    for (const k of keys.filter((k) => k.startsWith('hls/'))) {
      await writeFile(path.join(hlsDir(), k.slice(4)), await objectBytes(deps.storage, 'derivatives', `${assetId}/${k}`));
    }
  }, 120_000);

  it('emits MediaConvert-shaped COMPLETE events naming our job: two quick phases, then the ladder', () => {
    expect(events.map((e) => e.detail.userMetadata.phase)).toEqual(['quick', 'quick', 'ladder']);
    const [progressive, firstRung] = events;
    // The stream copy comes first: no HLS yet, the progressive file and the poster.
    expect(progressive!.detail.outputGroupDetails!.find((g) => g.type === 'HLS_GROUP')!.outputDetails).toEqual([]);
    const files = progressive!.detail.outputGroupDetails!.flatMap((g) => g.outputDetails.flatMap((o) => o.outputFilePaths ?? []));
    expect(files).toEqual(expect.arrayContaining([`s3://derivatives/${assetId}/progressive.mp4`]));
    // Then the lowest rung alone.
    const first = firstRung!.detail.outputGroupDetails!.find((g) => g.type === 'HLS_GROUP')!;
    expect(first.outputDetails.map((o) => o.videoDetails?.heightInPx)).toEqual([360]);
    const e = events.at(-1)!;
    expect(e).toMatchObject({ source: 'aws.mediaconvert', 'detail-type': 'MediaConvert Job State Change' });
    expect(e.detail).toMatchObject({ status: 'COMPLETE', userMetadata: { assetId, jobId } });
    const hls = e.detail.outputGroupDetails!.find((g) => g.type === 'HLS_GROUP')!;
    expect(hls.playlistFilePaths).toEqual([`s3://derivatives/${assetId}/hls/master.m3u8`]);
    expect(hls.outputDetails.map((o) => o.videoDetails)).toEqual([
      expect.objectContaining({ widthInPx: 640, heightInPx: 360 }),
      expect.objectContaining({ widthInPx: 960, heightInPx: 540 }),
    ]);
  });

  it('stores the ladder up to the source size, the poster captures and the preview', () => {
    expect(keys).toEqual([
      'hls/master.m3u8',
      'hls/master_360p.m3u8',
      'hls/master_360p_00001.ts',
      'hls/master_360p_00002.ts',
      'hls/master_540p.m3u8',
      'hls/master_540p_00001.ts',
      'hls/master_540p_00002.ts',
      'poster.0000000.jpg',
      'poster.0000001.jpg',
      'poster.jpg',
      'preview.mp4',
      'progressive.mp4',
      'storyboard.jpg',
      'storyboard.vtt',
    ]);
  });

  it('writes a multivariant playlist ffprobe opens: two H.264 + AAC renditions', async () => {
    const master = parseMasterPlaylist(await readFile(path.join(hlsDir(), 'master.m3u8'), 'utf8'));
    expect(master.map((v) => [v.uri, v.width, v.height])).toEqual([
      ['master_360p.m3u8', 640, 360],
      ['master_540p.m3u8', 960, 540],
    ]);
    for (const v of master) expect(v.codecs).toEqual([expect.stringMatching(/^avc1\./), 'mp4a.40.2']);
    const probe = await ffprobeJson(path.join(hlsDir(), 'master.m3u8'));
    const video = probe.streams.filter((s) => s.codec_type === 'video').map((s) => `${s.codec_name} ${s.width}x${s.height}`);
    expect(video.sort()).toEqual(['h264 640x360', 'h264 960x540']);
    expect(probe.streams.filter((s) => s.codec_type === 'audio').every((s) => s.codec_name === 'aac' && s.sample_rate === '48000')).toBe(
      true,
    );
    expect(Number(probe.format?.duration)).toBeCloseTo(7, 0);
  });

  it('cuts 6 s segments on 2 s keyframes, every segment stored and starting with a keyframe', async () => {
    for (const rung of ['360p', '540p']) {
      const media = parseMediaPlaylist(await readFile(path.join(hlsDir(), `master_${rung}.m3u8`), 'utf8'));
      expect(media.ended).toBe(true);
      expect(media.targetDurationSec).toBe(6);
      expect(media.segments.map((s) => s.durationSec)).toEqual([6, 1]);
      for (const s of media.segments) {
        expect(keys).toContain(`hls/${s.uri}`);
        const first = await ffprobeJson(path.join(hlsDir(), s.uri), ['-select_streams', 'v:0', '-show_frames', '-read_intervals', '%+#1']);
        expect(first.frames?.[0]?.key_frame).toBe(1);
      }
    }
    const { stdout } = await exec('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-skip_frame',
      'nokey',
      '-show_entries',
      'frame=pts_time',
      '-of',
      'csv=p=0',
      path.join(hlsDir(), 'master_540p.m3u8'),
    ]);
    const pts = stdout
      .split('\n')
      .map((l) => l.replace(/,/g, '').trim())
      .filter(Boolean)
      .map(Number);
    expect(pts.map((t) => Math.round(t - pts[0]!))).toEqual([0, 2, 4, 6]);
  });

  it('makes a small preview without audio and JPEG posters at the source size', async () => {
    await writeFile(path.join(work, 'preview.mp4'), await objectBytes(deps.storage, 'derivatives', `${assetId}/preview.mp4`));
    const preview = await ffprobeJson(path.join(work, 'preview.mp4'));
    expect(preview.streams.map((s) => `${s.codec_type} ${s.codec_name} ${s.width}x${s.height}`)).toEqual(['video h264 852x480']);
    expect((await deps.storage.head('derivatives', `${assetId}/poster.jpg`))?.contentType).toBe('image/jpeg');
    await writeFile(path.join(work, 'poster.jpg'), await objectBytes(deps.storage, 'derivatives', `${assetId}/poster.jpg`));
    expect((await ffprobeJson(path.join(work, 'poster.jpg'))).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 960, height: 540 });
  });

  it('marks the asset ready with one derivative row per stored file and the video facts', async () => {
    expect(await assetRow(deps.db, assetId)).toMatchObject({ status: 'ready', statusReason: null });
    expect(await jobRow(deps.db, jobId)).toMatchObject({ status: 'succeeded', error: null, externalId: events.at(-1)!.detail.jobId });
    const rows = await derivativeRows(deps.db, assetId);
    expect(rows).toHaveLength(keys.length);
    expect(new Set(rows.map((r) => r.key))).toEqual(new Set(keys.map((k) => `${assetId}/${k}`)));
    const byKind = new Map(rows.map((r) => [r.kind, r]));
    expect(byKind.get('poster.jpg')).toMatchObject({ key: `${assetId}/poster.jpg`, contentType: 'image/jpeg', width: 960, height: 540 });
    expect(byKind.get('hls/master.m3u8')).toMatchObject({ contentType: 'application/vnd.apple.mpegurl', width: null });
    expect(byKind.get('hls/master_540p_00002.ts')).toMatchObject({ contentType: 'video/mp2t', width: 960, height: 540 });
    expect(byKind.get('preview.mp4')).toMatchObject({ contentType: 'video/mp4', width: 852, height: 480 });
    for (const r of rows) expect(r.status).toBe('ready');
    for (const r of rows) expect(r.size).toBeGreaterThan(0);
    const video = (await assetRow(deps.db, assetId))!.metadata.video as Record<string, unknown>;
    expect(video).toMatchObject({ width: 960, height: 540, audioCodec: 'mp4a.40.2', videoCodec: expect.stringMatching(/^avc1\./) });
    expect(video.durationSec).toBeCloseTo(7, 1);
    expect(video.renditions).toHaveLength(2);
  });

  it('changes nothing when the same COMPLETE arrives again, and a late ERROR never regresses it', async () => {
    const before = {
      rows: await derivativeRows(deps.db, assetId),
      job: await jobRow(deps.db, jobId),
      asset: await assetRow(deps.db, assetId),
    };
    expect(await handleJobStateChange(deps, events.at(-1))).toEqual({ result: 'ignored', reason: 'duplicate' });
    // A quick phase arriving after the ladder changes nothing either.
    expect(await handleJobStateChange(deps, events[0])).toEqual({ result: 'ignored', reason: 'finished' });
    const late = structuredClone(events.at(-1)!);
    late.detail.status = 'ERROR';
    late.detail.errorMessage = 'late';
    expect(await handleJobStateChange(deps, late)).toEqual({ result: 'ignored', reason: 'already_succeeded' });
    expect(await derivativeRows(deps.db, assetId)).toEqual(before.rows);
    expect(await jobRow(deps.db, jobId)).toEqual(before.job);
    expect(await assetRow(deps.db, assetId)).toEqual(before.asset);
  });

  it('cleans its temp folders', async () => {
    expect(await readdir(path.join(work, 'tmp'))).toEqual([]);
  });
});

describe('the local transcoder', () => {
  it('keeps the lowest rung at the source size for a small silent clip', async () => {
    const clip = await makeClip('silent.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15:duration=2']);
    const { assetId, request } = await prepare(clip);
    const events: MediaConvertJobEvent[] = [];
    const t = await transcoderFor(events);
    await t.submit(request);
    await t.idle();
    await t.close();
    expect(events.map((e) => [e.detail.status, e.detail.userMetadata.phase])).toEqual([
      ['COMPLETE', 'quick'],
      ['COMPLETE', 'quick'],
      ['COMPLETE', 'ladder'],
    ]);
    const keys = await keysUnder(deps.storage, 'derivatives', `${assetId}/hls/`);
    expect(keys.map((k) => k.slice(assetId.length + 1))).toEqual(['hls/master.m3u8', 'hls/master_360p.m3u8', 'hls/master_360p_00001.ts']);
    const master = (await deps.storage.getText('derivatives', `${assetId}/hls/master.m3u8`))!;
    expect(parseMasterPlaylist(master)).toEqual([
      expect.objectContaining({ width: 320, height: 240, codecs: [expect.stringMatching(/^avc1\./)] }),
    ]);
    expect((await assetRow(deps.db, assetId))!.metadata.video).toMatchObject({ audioCodec: null });
  }, 180_000);

  it('reports an unreadable original as a MediaConvert ERROR: job and asset failed with the reason', async () => {
    const { assetId, jobId, request } = await prepare(Buffer.from('this is not a video at all'));
    const events: MediaConvertJobEvent[] = [];
    const t = await transcoderFor(events);
    await t.submit(request);
    await t.idle();
    await t.close();
    expect(events[0]?.detail).toMatchObject({ status: 'ERROR', errorCode: 1999, errorMessage: expect.stringMatching(/^probe_failed: /) });
    expect(await jobRow(deps.db, jobId)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^1999: probe_failed/) });
    expect(await assetRow(deps.db, assetId)).toMatchObject({ status: 'failed', statusReason: expect.stringMatching(/^probe_failed: /) });
    expect(await keysUnder(deps.storage, 'derivatives', `${assetId}/`)).toEqual([]);
  });

  it('names the package to install when ffmpeg is missing', async () => {
    const { request } = await prepare(Buffer.from('x'));
    const events: MediaConvertJobEvent[] = [];
    const t = await transcoderFor(events, { ffprobe: '/nonexistent/ffprobe', onComplete: async (e) => void events.push(e) });
    await t.submit(request);
    await t.idle();
    await t.close();
    expect(events[0]?.detail.errorMessage).toMatch(/^ffmpeg_missing: .*apt-get install ffmpeg/);
  });

  it('kills a running ffmpeg by pid on close, sends no event, cleans up, and the next start runs the job again', async () => {
    const clip = await makeClip('kill.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10:duration=1']);
    const { request } = await prepare(clip);
    const fake = path.join(work, 'slow-ffmpeg.sh');
    const pidFile = path.join(work, 'slow.pid');
    await writeFile(fake, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`, { mode: 0o755 });
    const events: MediaConvertJobEvent[] = [];
    const t = await transcoderFor(events, { ffmpeg: fake, onComplete: async (e) => void events.push(e) });
    await t.submit(request);
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      await new Promise((r) => setTimeout(r, 50));
      pid = Number(await readFile(pidFile, 'utf8').catch(() => '0'));
    }
    expect(pid).toBeGreaterThan(0);
    await t.close();
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(events).toEqual([]);
    expect(await readdir(path.join(work, 'tmp'))).toEqual([]);
    await expect(t.submit(request)).rejects.toMatchObject({ code: 'transcoder_closed' });

    // What a kill -9 leaves: the job still queued, and a temp folder nobody will finish.
    await mkdir(path.join(work, 'tmp', 'transcode-1700000000000-dead00', 'out'), { recursive: true });
    const again = await transcoderFor(events, { onComplete: async (e) => void events.push(e) });
    expect(await readdir(path.join(work, 'tmp'))).not.toContain('transcode-1700000000000-dead00');
    await again.idle();
    await again.close();
    expect(events.map((e) => [e.detail.status, e.detail.userMetadata.jobId, e.detail.userMetadata.phase])).toEqual([
      ['COMPLETE', request.jobId, 'quick'],
      ['COMPLETE', request.jobId, 'quick'],
      ['COMPLETE', request.jobId, 'ladder'],
    ]);
    expect(await readdir(path.join(work, 'tmp'))).toEqual([]);
  }, 180_000);
});
