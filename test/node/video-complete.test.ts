/**
 * The completion service on PGlite and on PostgreSQL (production driver),
 * fed MediaConvert's own event shape (as documented by AWS) against files in
 * the real S3 server: state transitions, idempotency, stale and foreign
 * events, and what it refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobStateChangeEvent, type MediaConvertJobEvent } from '../../origin/events/mediaconvert.ts';
import { handleJobStateChange } from '../../origin/handlers/mediaconvert-complete.ts';
import type { PipelineDeps } from '../../origin/core/deps.ts';
import { completeVideoJob, TRANSCODE_JOB_TYPE } from '../../origin/pipeline/video-complete.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { assetRow, createAsset, createJob, derivativeRows, DRIVERS, jobRow, makeDeps, openDb } from './support/video-env.ts';

const MASTER = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=1210000,AVERAGE-BANDWIDTH=800000,CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=24.000
master_360p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2500000,CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=960x540,FRAME-RATE=24.000
master_540p.m3u8
`;
const media = (rung: string) => `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:6
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:6.00000,
master_${rung}_00001.ts
#EXTINF:2.50000,
master_${rung}_00002.ts
#EXT-X-ENDLIST
`;

/** What MediaConvert would have written for a 8.5 s 960x540 source. */
async function putOutputs(deps: PipelineDeps, assetId: string): Promise<string[]> {
  const files: Record<string, string> = {
    'hls/master.m3u8': MASTER,
    'hls/master_360p.m3u8': media('360p'),
    'hls/master_540p.m3u8': media('540p'),
    'hls/master_360p_00001.ts': 'ts1',
    'hls/master_360p_00002.ts': 'ts2',
    'hls/master_540p_00001.ts': 'ts3',
    'hls/master_540p_00002.ts': 'ts4',
    'preview.mp4': 'mp4',
    'poster.0000000.jpg': 'jpg0',
    'poster.0000001.jpg': 'jpg1',
    'unrelated.txt': 'not a video output',
  };
  for (const [p, body] of Object.entries(files)) await deps.storage.put('derivatives', `${assetId}/${p}`, body);
  return Object.keys(files).filter((p) => p !== 'unrelated.txt');
}

function complete(assetId: string, jobId: string, externalId: string): MediaConvertJobEvent {
  const base = `s3://derivatives/${assetId}/`;
  return jobStateChangeEvent({
    jobId: externalId,
    status: 'COMPLETE',
    userMetadata: { assetId, jobId },
    outputGroupDetails: [
      {
        type: 'HLS_GROUP',
        playlistFilePaths: [`${base}hls/master.m3u8`],
        outputDetails: [
          { outputFilePaths: [`${base}hls/master_360p.m3u8`], durationInMs: 8500, videoDetails: { widthInPx: 640, heightInPx: 360 } },
          { outputFilePaths: [`${base}hls/master_540p.m3u8`], durationInMs: 8500, videoDetails: { widthInPx: 960, heightInPx: 540 } },
        ],
      },
      {
        type: 'FILE_GROUP',
        outputDetails: [{ outputFilePaths: [`${base}preview.mp4`], durationInMs: 8500, videoDetails: { widthInPx: 852, heightInPx: 480 } }],
      },
      {
        type: 'FILE_GROUP',
        outputDetails: [
          { outputFilePaths: [`${base}poster.0000001.jpg`], durationInMs: 8500, videoDetails: { widthInPx: 960, heightInPx: 540 } },
        ],
      },
    ],
  });
}

const failure = (assetId: string, jobId: string, externalId: string, status: 'ERROR' | 'CANCELED' = 'ERROR') =>
  jobStateChangeEvent({
    jobId: externalId,
    status,
    userMetadata: { assetId, jobId },
    ...(status === 'ERROR' ? { errorCode: 1030, errorMessage: 'Unsupported codec in input' } : {}),
  });

describe.each(DRIVERS)('video completion on $name', ({ driver }) => {
  let handle: DatabaseHandle;
  let deps: ReturnType<typeof makeDeps>;

  beforeAll(async () => {
    handle = await openDb(driver);
    deps = makeDeps(handle.db);
  });
  afterAll(async () => handle?.close());

  async function transcoding(values: Parameters<typeof createAsset>[1] = {}, externalId: string | null = 'mc-1') {
    const assetId = await createAsset(deps.db, values);
    const jobId = await createJob(deps.db, { assetId, type: TRANSCODE_JOB_TYPE, status: 'processing', attempts: 1, externalId });
    return { assetId, jobId };
  }

  it('records every output, merges the facts into metadata and finishes job and asset, once', async () => {
    const { assetId, jobId } = await transcoding({ metadata: { camera: 'X100', video: { sourceCodec: 'hevc' } } });
    const files = await putOutputs(deps, assetId);
    // Two deliveries at once (EventBridge is at-least-once): one set of rows.
    const outcomes = await Promise.all([
      completeVideoJob(deps, complete(assetId, jobId, 'mc-1')),
      completeVideoJob(deps, complete(assetId, jobId, 'mc-1')),
    ]);
    // One row per stored file, plus poster.jpg: the 1 s capture copied to the name the edge serves.
    expect(outcomes).toContainEqual({ result: 'ready', derivatives: files.length + 1 });
    const rows = await derivativeRows(deps.db, assetId);
    expect(rows.map((r) => r.key).sort()).toEqual([...files, 'poster.jpg'].map((f) => `${assetId}/${f}`).sort());
    expect(rows.every((r) => r.key === `${assetId}/${r.kind}`)).toBe(true);
    expect(rows.find((r) => r.kind === 'poster.jpg')).toMatchObject({ key: `${assetId}/poster.jpg`, width: 960, height: 540, size: 4 });
    expect(await deps.storage.getText(deps.buckets.derivatives, `${assetId}/poster.jpg`)).toBe('jpg1');
    expect((await deps.storage.head(deps.buckets.derivatives, `${assetId}/poster.jpg`))?.contentType).toBe('image/jpeg');
    expect(rows.find((r) => r.kind === 'poster.0000000.jpg')).toMatchObject({ width: 960, height: 540 });
    expect(rows.find((r) => r.kind === 'preview.mp4')).toMatchObject({ width: 852, height: 480, contentType: 'video/mp4' });
    expect(rows.find((r) => r.kind === 'hls/master_360p_00002.ts')).toMatchObject({
      width: 640,
      height: 360,
      contentType: 'video/mp2t',
      size: 3,
    });
    const asset = await assetRow(deps.db, assetId);
    expect(asset).toMatchObject({ status: 'ready', statusReason: null });
    expect(asset!.metadata).toEqual({
      camera: 'X100',
      video: {
        sourceCodec: 'hevc',
        durationSec: 8.5,
        width: 960,
        height: 540,
        videoCodec: 'avc1.4d401f',
        audioCodec: 'mp4a.40.2',
        renditions: [
          { name: '360p', width: 640, height: 360, bandwidth: 1210000 },
          { name: '540p', width: 960, height: 540, bandwidth: 2500000 },
        ],
      },
    });
    expect(await jobRow(deps.db, jobId)).toMatchObject({ status: 'succeeded', externalId: 'mc-1', error: null });
    expect(await completeVideoJob(deps, complete(assetId, jobId, 'mc-1'))).toEqual({ result: 'ignored', reason: 'duplicate' });
    expect(await derivativeRows(deps.db, assetId)).toEqual(rows);
  });

  it('accepts the completion before ingest recorded the external id, and records it', async () => {
    const { assetId, jobId } = await transcoding({}, null);
    await putOutputs(deps, assetId);
    expect(await completeVideoJob(deps, complete(assetId, jobId, 'mc-early'))).toMatchObject({ result: 'ready' });
    expect(await jobRow(deps.db, jobId)).toMatchObject({ externalId: 'mc-early', status: 'succeeded' });
  });

  it('records the outputs of a blocked asset but leaves it blocked', async () => {
    const { assetId, jobId } = await transcoding({ status: 'blocked', statusReason: 'infected: Eicar' });
    await putOutputs(deps, assetId);
    await completeVideoJob(deps, complete(assetId, jobId, 'mc-1'));
    expect(await assetRow(deps.db, assetId)).toMatchObject({ status: 'blocked', statusReason: 'infected: Eicar' });
  });

  it('fails job and asset on ERROR with the message as reason; the same ERROR again is a no-op', async () => {
    const { assetId, jobId } = await transcoding();
    expect(await completeVideoJob(deps, failure(assetId, jobId, 'mc-1'))).toEqual({
      result: 'failed',
      reason: 'Unsupported codec in input',
    });
    expect(await jobRow(deps.db, jobId)).toMatchObject({ status: 'failed', error: '1030: Unsupported codec in input' });
    expect(await assetRow(deps.db, assetId)).toMatchObject({ status: 'failed', statusReason: 'Unsupported codec in input' });
    expect(await completeVideoJob(deps, failure(assetId, jobId, 'mc-1'))).toEqual({ result: 'ignored', reason: 'duplicate' });
  });

  it('fails on CANCELED', async () => {
    const { assetId, jobId } = await transcoding();
    await completeVideoJob(deps, failure(assetId, jobId, 'mc-1', 'CANCELED'));
    expect(await jobRow(deps.db, jobId)).toMatchObject({ status: 'failed', error: 'CANCELED: transcode canceled' });
    expect(await assetRow(deps.db, assetId)).toMatchObject({ status: 'failed', statusReason: 'transcode canceled' });
  });

  it('fails a COMPLETE whose outputs are not in the bucket', async () => {
    const { assetId, jobId } = await transcoding();
    const out = await completeVideoJob(deps, complete(assetId, jobId, 'mc-1'));
    expect(out).toMatchObject({ result: 'failed', reason: expect.stringMatching(/^outputs_missing: /) });
    expect(await assetRow(deps.db, assetId)).toMatchObject({ status: 'failed' });
  });

  it('ignores events of a superseded MediaConvert job and of unknown jobs', async () => {
    const { assetId, jobId } = await transcoding({}, 'mc-2');
    await putOutputs(deps, assetId);
    expect(await completeVideoJob(deps, complete(assetId, jobId, 'mc-1'))).toEqual({ result: 'ignored', reason: 'stale_job' });
    expect(await completeVideoJob(deps, failure(assetId, jobId, 'mc-1'))).toEqual({ result: 'ignored', reason: 'stale_job' });
    expect(await completeVideoJob(deps, complete(assetId, crypto.randomUUID(), 'mc-2'))).toEqual({
      result: 'ignored',
      reason: 'unknown_job',
    });
    expect(await jobRow(deps.db, jobId)).toMatchObject({ status: 'processing' });
    expect(await assetRow(deps.db, assetId)).toMatchObject({ status: 'processing' });
    expect(await derivativeRows(deps.db, assetId)).toEqual([]);
  });

  it('drops (does not retry) an event it cannot understand, and rethrows real failures', async () => {
    const { assetId, jobId } = await transcoding();
    const foreign = { ...complete(assetId, jobId, 'mc-1'), source: 'aws.s3' };
    await expect(completeVideoJob(deps, foreign)).rejects.toMatchObject({ code: 'event_invalid' });
    expect(await handleJobStateChange(deps, foreign)).toEqual({ result: 'dropped' });
    const progressing = complete(assetId, jobId, 'mc-1');
    (progressing.detail as { status: string }).status = 'PROGRESSING';
    expect(await handleJobStateChange(deps, progressing)).toEqual({ result: 'dropped' });
    const broken = makeDeps(deps.db, { buckets: { raw: 'raw', derivatives: 'no-such-bucket' } });
    await putOutputs(deps, assetId);
    await expect(handleJobStateChange(broken, complete(assetId, jobId, 'mc-1'))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    expect(await jobRow(deps.db, jobId)).toMatchObject({ status: 'processing' });
  });
});
