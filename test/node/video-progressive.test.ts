/**
 * Playable before the ladder: with Debian's ffmpeg, the real S3 server and
 * Postgres, what a player could find at each early event of the local
 * transcoder. A browser-playable H.264 MOV gets a fast-start stream copy
 * (no location or title metadata left in it) before any HLS; an HEVC clip
 * gets the 360p rung and a master naming only it; the master never names a
 * rung whose files are not all stored; the preview is at most 10 s; the
 * storyboard's track points into its sprite.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegTranscoder } from '../../local/ffmpeg-transcoder.ts';
import type { MediaConvertJobEvent } from '../../origin/events/mediaconvert.ts';
import { handleJobStateChange } from '../../origin/handlers/mediaconvert-complete.ts';
import type { PipelineDeps } from '../../origin/core/deps.ts';
import { TRANSCODE_JOB_TYPE } from '../../origin/pipeline/video-complete.ts';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../origin/processing/video/hls-playlist.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import {
  assetRow,
  createAsset,
  createJob,
  DRIVERS,
  derivativeRows,
  keysUnder,
  makeDeps,
  objectBytes,
  openDb,
} from './support/video-env.ts';

const exec = promisify(execFile);
let work: string;

interface Seen {
  phase: string | undefined;
  keys: string[];
  master: string | null;
  status: string | undefined;
  ready: string[];
}

async function ffprobe(
  file: string,
): Promise<{ streams: Record<string, unknown>[]; format: { duration: string; tags?: Record<string, string> } }> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file]);
  return JSON.parse(stdout);
}

/** Top-level MP4 box types in order. */
function topBoxes(buf: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(at);
    out.push(buf.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return out;
}

/** Runs one clip through the transcoder; at every event, records what storage and the database hold. */
async function transcode(deps: PipelineDeps, file: string): Promise<{ assetId: string; seen: Seen[] }> {
  const bytes = await readFile(file);
  const assetId = await createAsset(deps.db, { size: bytes.length });
  await deps.storage.put('raw', originalKey(assetId), bytes as Uint8Array<ArrayBuffer>, { contentLength: bytes.length });
  const jobId = await createJob(deps.db, { assetId, type: TRANSCODE_JOB_TYPE, status: 'processing' });
  const seen: Seen[] = [];
  const t = await new FfmpegTranscoder({
    db: deps.db,
    storage: deps.storage,
    tmpDir: work,
    log: deps.log,
    onComplete: async (e: MediaConvertJobEvent) => {
      await handleJobStateChange(deps, e);
      const keys = (await keysUnder(deps.storage, 'derivatives', `${assetId}/`)).map((k) => k.slice(assetId.length + 1));
      const rows = await derivativeRows(deps.db, assetId);
      seen.push({
        phase: e.detail.userMetadata.phase,
        keys,
        master: await deps.storage.getText('derivatives', `${assetId}/hls/master.m3u8`),
        status: (await assetRow(deps.db, assetId))?.status,
        ready: rows.filter((r) => r.status === 'ready').map((r) => r.kind),
      });
    },
  }).start();
  const { externalId } = await t.submit({
    assetId,
    jobId,
    inputBucket: 'raw',
    inputKey: originalKey(assetId),
    outputBucket: 'derivatives',
    outputPrefix: `${assetId}/`,
  });
  await deps.db.execute(`update jobs set external_id = '${externalId}' where id = '${jobId}'`);
  await t.idle();
  await t.close();
  return { assetId, seen };
}

/** Every rung the master names has its playlist and every segment stored. */
function masterIsComplete(s: Seen): void {
  if (!s.master) return;
  for (const v of parseMasterPlaylist(s.master)) {
    expect(s.keys).toContain(`hls/${v.uri}`);
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'video-progressive-test-'));
  await exec('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=24:duration=13'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=13', '-shortest', '-pix_fmt', 'yuv420p'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac'],
    ...['-metadata', 'location=+48.8584+002.2945/', '-metadata', 'title=secret title', path.join(work, 'h264.mov')],
  ]);
  await exec('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=960x540:rate=24:duration=7'],
    ...['-pix_fmt', 'yuv420p', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1'],
    path.join(work, 'hevc.mp4'),
  ]);
}, 120_000);
afterAll(() => rm(work, { recursive: true, force: true }));

describe.each(DRIVERS)('playable before the ladder on $name', ({ driver }) => {
  let handle: DatabaseHandle;
  let deps: PipelineDeps;
  beforeAll(async () => {
    handle = await openDb(driver);
    deps = makeDeps(handle.db);
  });
  afterAll(() => handle?.close());

  describe('a browser-playable H.264 + AAC MOV', () => {
    let run: { assetId: string; seen: Seen[] };
    beforeAll(async () => {
      run = await transcode(deps, path.join(work, 'h264.mov'));
    }, 180_000);

    it('publishes the stream copy first: ready, asset still processing, no HLS yet', () => {
      const [first] = run.seen;
      expect(first).toMatchObject({ phase: 'quick', master: null, status: 'processing' });
      expect(first!.ready).toEqual(expect.arrayContaining(['progressive.mp4', 'poster.jpg']));
      expect(first!.keys.filter((k) => k.startsWith('hls/'))).toEqual([]);
    });

    it('then the 360p rung alone, named by a master that lists only complete rungs', () => {
      const second = run.seen[1]!;
      expect(second).toMatchObject({ phase: 'quick', status: 'processing' });
      expect(parseMasterPlaylist(second.master!).map((v) => v.height)).toEqual([360]);
      expect(second.ready).toContain('hls/master.m3u8');
      expect(second.ready.filter((k) => k.startsWith('hls/master_720p'))).toEqual([]);
      for (const s of run.seen) masterIsComplete(s);
    });

    it('ends ready with every rung, lowest first, and the segments each rung playlist names', async () => {
      const last = run.seen.at(-1)!;
      expect(last).toMatchObject({ phase: 'ladder', status: 'ready' });
      const variants = parseMasterPlaylist(last.master!);
      expect(variants.map((v) => v.height)).toEqual([360, 540, 720]);
      for (const v of variants) {
        const media = parseMediaPlaylist((await deps.storage.getText('derivatives', `${run.assetId}/hls/${v.uri}`))!);
        expect(media.ended).toBe(true);
        for (const seg of media.segments) expect(last.keys).toContain(`hls/${seg.uri}`);
      }
    });

    it('the copy keeps the codecs, starts with moov, and carries no location or title', async () => {
      const bytes = await objectBytes(deps.storage, 'derivatives', `${run.assetId}/progressive.mp4`);
      const boxes = topBoxes(bytes);
      expect(boxes.indexOf('moov')).toBeGreaterThan(-1);
      expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
      const file = path.join(work, `${driver}-progressive.mp4`);
      await writeFile(file, bytes);
      const probe = await ffprobe(file);
      expect(probe.streams.map((s) => s.codec_name)).toEqual(['h264', 'aac']);
      expect(Number(probe.format.duration)).toBeCloseTo(13, 0);
      const tags = JSON.stringify([probe.format.tags ?? {}, ...probe.streams.map((s) => s.tags ?? {})]);
      expect(tags).not.toMatch(/48\.8584|secret title|location/i);
      expect((await deps.storage.head('derivatives', `${run.assetId}/progressive.mp4`))?.contentType).toBe('video/mp4');
    });

    it('cuts the preview to 10 s', async () => {
      const file = path.join(work, `${driver}-preview.mp4`);
      await writeFile(file, await objectBytes(deps.storage, 'derivatives', `${run.assetId}/preview.mp4`));
      expect(Number((await ffprobe(file)).format.duration)).toBeCloseTo(10, 0);
    });

    it('writes a storyboard track whose cues cover the clip and point inside the sprite', async () => {
      const vtt = (await deps.storage.getText('derivatives', `${run.assetId}/storyboard.vtt`))!;
      expect(vtt.startsWith('WEBVTT\n')).toBe(true);
      expect((await deps.storage.head('derivatives', `${run.assetId}/storyboard.vtt`))?.contentType).toBe('text/vtt');
      const cues = [...vtt.matchAll(/(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\nstoryboard\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)/g)];
      expect(cues.map((c) => c[1])).toEqual([
        '00:00:00.000',
        '00:00:02.000',
        '00:00:04.000',
        '00:00:06.000',
        '00:00:08.000',
        '00:00:10.000',
        '00:00:12.000',
      ]);
      expect(cues.at(-1)![2]).toBe('00:00:13.000');
      const file = path.join(work, `${driver}-storyboard.jpg`);
      await writeFile(file, await objectBytes(deps.storage, 'derivatives', `${run.assetId}/storyboard.jpg`));
      const sprite = (await ffprobe(file)).streams[0] as { width: number; height: number };
      for (const c of cues) {
        const [x, y, w, h] = c.slice(3, 7).map(Number) as [number, number, number, number];
        expect(x + w).toBeLessThanOrEqual(sprite.width);
        expect(y + h).toBeLessThanOrEqual(sprite.height);
        expect([w, h]).toEqual([160, 90]);
      }
    });
  });

  describe('an HEVC clip (not played by every browser)', () => {
    let run: { assetId: string; seen: Seen[] };
    beforeAll(async () => {
      run = await transcode(deps, path.join(work, 'hevc.mp4'));
    }, 180_000);

    it('gets no progressive copy: the 360p rung and the poster come first', () => {
      const [first] = run.seen;
      expect(first).toMatchObject({ phase: 'quick', status: 'processing' });
      expect(parseMasterPlaylist(first!.master!).map((v) => [v.height, v.codecs[0]?.slice(0, 4)])).toEqual([[360, 'avc1']]);
      expect(first!.ready).toEqual(expect.arrayContaining(['hls/master.m3u8', 'hls/master_360p.m3u8', 'poster.jpg']));
      for (const s of run.seen) expect(s.keys).not.toContain('progressive.mp4');
      for (const s of run.seen) masterIsComplete(s);
    });

    it('ends ready with 360p and 540p', () => {
      const last = run.seen.at(-1)!;
      expect(run.seen.map((s) => s.phase)).toEqual(['quick', 'ladder']);
      expect(last.status).toBe('ready');
      expect(parseMasterPlaylist(last.master!).map((v) => v.height)).toEqual([360, 540]);
    });
  });
});
