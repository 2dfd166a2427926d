/** The MediaConvert CreateJob requests (quick, preview, ladder), checked against the shared video profile. */
import type { CreateJobCommandInput, H264Settings, Output, OutputGroup } from '@aws-sdk/client-mediaconvert';
import { describe, expect, it } from 'vitest';
import type { VideoJobRequest } from '../../origin/core/deps.ts';
import { buildMediaConvertJobs, type MediaConvertJobOptions } from '../../origin/processing/video/mediaconvert-job.ts';
import { HLS, VIDEO_AUDIO, VIDEO_LADDER, VIDEO_POSTER, VIDEO_PREVIEW, planLadder } from '../../shared/profiles/video.ts';

const assetId = '0b6f8a4e-3c1d-4a57-9e2f-5d6c7b8a9f01';
const jobId = '7d2c1b0a-9e8f-4d6c-8b5a-4f3e2d1c0b9a';
const base: VideoJobRequest = {
  assetId,
  jobId,
  inputBucket: 'media-raw',
  inputKey: `${assetId}/original`,
  outputBucket: 'media-derivatives',
  outputPrefix: `${assetId}/`,
};
const opts = { queueArn: 'arn:aws:mediaconvert:eu-central-1:123456789012:queues/media', roleArn: 'arn:aws:iam::123456789012:role/mc' };

/** One phase's CreateJob input. */
const phase = (req: VideoJobRequest, name: string, o: MediaConvertJobOptions = opts): CreateJobCommandInput =>
  buildMediaConvertJobs(req, o).find((j) => j.phase === name)!.input;
const group = (job: CreateJobCommandInput, name: string): OutputGroup => job.Settings!.OutputGroups!.find((g) => g.Name === name)!;
const h264 = (o: Output): H264Settings => o.VideoDescription!.CodecSettings!.H264Settings!;

describe('buildMediaConvertJobs', () => {
  const hd = { ...base, source: { width: 1920, height: 1080, hasAudio: true } };
  const all = buildMediaConvertJobs(hd, opts);
  const job = phase(hd, 'ladder');
  const quick = phase(hd, 'quick');

  it('submits quick, preview and ladder jobs in our queue with our role, each tagged with the asset, job and phase', () => {
    expect(all.map((j) => j.phase)).toEqual(['quick', 'preview', 'ladder']);
    for (const { phase: name, input } of all) {
      expect(input).toMatchObject({
        Queue: opts.queueArn,
        Role: opts.roleArn,
        UserMetadata: { assetId, jobId, phase: name },
        StatusUpdateInterval: 'SECONDS_60',
        ClientRequestToken: `${jobId}:0:${name}`,
        AccelerationSettings: { Mode: 'PREFERRED' },
      });
      expect(input.Settings!.Inputs).toEqual([
        expect.objectContaining({
          FileInput: `s3://media-raw/${assetId}/original`,
          AudioSelectors: { 'Audio Selector 1': { DefaultSelection: 'DEFAULT' } },
        }),
      ]);
    }
    expect(quick.Priority).toBeGreaterThan(job.Priority!);
    expect(phase({ ...base, attempt: 2 }, 'ladder').ClientRequestToken).toBe(`${jobId}:2:ladder`);
    expect(phase(base, 'quick', { ...opts, acceleration: 'DISABLED' }).AccelerationSettings).toEqual({ Mode: 'DISABLED' });
  });

  it('the quick job writes the lowest rung (as the ladder encodes it) and the poster, nothing else', () => {
    expect(quick.Settings!.OutputGroups!.map((g) => g.Name)).toEqual(['HLS', 'Poster']);
    expect(group(quick, 'HLS').OutputGroupSettings).toEqual(group(job, 'HLS').OutputGroupSettings);
    expect(group(quick, 'HLS').Outputs).toEqual([group(job, 'HLS').Outputs![0]]);
    expect(group(quick, 'HLS').Outputs![0]!.NameModifier).toBe('_360p');
    expect(quick.Settings!.Inputs![0]!.InputClippings).toBeUndefined();
  });

  it('the ladder job writes every rung and no preview or poster', () => {
    expect(job.Settings!.OutputGroups!.map((g) => g.Name)).toEqual(['HLS']);
  });

  it('builds an HLS group at {assetId}/hls/master with 6 s segments on whole GOPs', () => {
    const hls = group(job, 'HLS').OutputGroupSettings!;
    expect(hls.Type).toBe('HLS_GROUP_SETTINGS');
    expect(hls.HlsGroupSettings).toMatchObject({
      Destination: `s3://media-derivatives/${assetId}/hls/master`,
      SegmentLength: HLS.segmentSeconds,
      SegmentLengthControl: 'GOP_MULTIPLE',
      SegmentControl: 'SEGMENTED_FILES',
      OutputSelection: 'MANIFESTS_AND_SEGMENTS',
      DirectoryStructure: 'SINGLE_DIRECTORY',
    });
  });

  it('has one H.264 + AAC output per rung with the profile size, bitrate, GOP and name', () => {
    const outputs = group(job, 'HLS').Outputs!;
    expect(outputs.map((o) => o.NameModifier)).toEqual(VIDEO_LADDER.map((r) => `_${r.name}`));
    outputs.forEach((o, i) => {
      const rung = VIDEO_LADDER[i]!;
      expect(o.ContainerSettings?.Container).toBe('M3U8');
      expect(o.VideoDescription).toMatchObject({ Width: rung.maxWidth, Height: rung.maxHeight });
      expect(h264(o)).toMatchObject({
        RateControlMode: 'QVBR',
        MaxBitrate: rung.videoBitrate,
        GopSize: HLS.gopSeconds,
        GopSizeUnits: 'SECONDS',
        GopClosedCadence: 1,
        CodecProfile: rung.h264Profile.toUpperCase(),
        ParNumerator: 1,
        ParDenominator: 1,
      });
      expect(HLS.segmentSeconds % h264(o).GopSize!).toBe(0);
      expect(o.AudioDescriptions).toEqual([
        expect.objectContaining({
          AudioSourceName: 'Audio Selector 1',
          CodecSettings: {
            Codec: 'AAC',
            AacSettings: expect.objectContaining({
              Bitrate: rung.audioBitrate,
              SampleRate: VIDEO_AUDIO.sampleRate,
              CodingMode: 'CODING_MODE_2_0',
            }),
          },
        }),
      ]);
    });
  });

  it('writes a 10 s preview.mp4 without audio in its own clipped job, and poster captures with the profile numbers', () => {
    const previewJob = phase(hd, 'preview');
    expect(previewJob.Settings!.OutputGroups!.map((g) => g.Name)).toEqual(['Preview']);
    expect(previewJob.Settings!.Inputs![0]!.InputClippings).toEqual([
      { StartTimecode: '00:00:00:00', EndTimecode: `00:00:${VIDEO_PREVIEW.maxSeconds}:00` },
    ]);
    const preview = group(previewJob, 'Preview');
    expect(preview.OutputGroupSettings?.FileGroupSettings?.Destination).toBe(`s3://media-derivatives/${assetId}/preview`);
    const p = preview.Outputs![0]!;
    expect(p).toMatchObject({ Extension: 'mp4', ContainerSettings: { Container: 'MP4' }, VideoDescription: { Width: 852, Height: 480 } });
    expect(p.AudioDescriptions).toBeUndefined();
    expect(h264(p).MaxBitrate).toBe(VIDEO_PREVIEW.videoBitrate);
    const poster = group(quick, 'Poster');
    expect(poster.OutputGroupSettings?.FileGroupSettings?.Destination).toBe(`s3://media-derivatives/${assetId}/poster`);
    expect(poster.Outputs![0]).toMatchObject({
      Extension: 'jpg',
      ContainerSettings: { Container: 'RAW' },
      VideoDescription: {
        Width: 1280,
        Height: 720,
        CodecSettings: {
          Codec: 'FRAME_CAPTURE',
          FrameCaptureSettings: { FramerateNumerator: 1, FramerateDenominator: 1, MaxCaptures: VIDEO_POSTER.maxCaptures },
        },
      },
    });
  });

  it('drops rungs above a smaller source and leaves audio out when there is none', () => {
    const smallReq = { ...base, source: { width: 1280, height: 720, hasAudio: false } };
    const small = phase(smallReq, 'ladder');
    const outputs = group(small, 'HLS').Outputs!;
    expect(outputs.map((o) => [o.NameModifier, o.VideoDescription?.Width, o.VideoDescription?.Height])).toEqual(
      planLadder({ width: 1280, height: 720 }).map((r) => [`_${r.name}`, r.width, r.height]),
    );
    expect(outputs).toHaveLength(3);
    expect(outputs.every((o) => o.AudioDescriptions === undefined)).toBe(true);
    expect(small.Settings!.Inputs![0]!.AudioSelectors).toBeUndefined();
    expect(group(phase(smallReq, 'quick'), 'Poster').Outputs![0]!.VideoDescription).toMatchObject({ Width: 1280, Height: 720 });
  });

  it('builds the whole ladder by height when the source size is unknown', () => {
    const unknown = phase(base, 'ladder');
    const outputs = group(unknown, 'HLS').Outputs!;
    expect(outputs.map((o) => [o.VideoDescription?.Width, o.VideoDescription?.Height])).toEqual(
      VIDEO_LADDER.map((r) => [undefined, r.maxHeight]),
    );
    expect(outputs.every((o) => o.AudioDescriptions?.length === 1)).toBe(true);
  });

  it('is plain JSON (what the SDK serialises)', () => {
    expect(JSON.parse(JSON.stringify(all))).toEqual(all);
  });
});
