/**
 * The MediaConvert CreateJob request for one asset, built from the shared
 * video profile (shared/profiles/video.ts): an HLS group (one muxed
 * H.264 + AAC output per rung), a file group for `preview.mp4` and a
 * frame-capture group for the poster.
 *
 * Poster naming: MediaConvert always appends a counter to frame captures
 * (`poster.0000000.jpg`, `poster.0000001.jpg`), and the completion Lambda may
 * only read the derivatives bucket, so nothing is renamed: the completion
 * handler records the last capture under kind `poster.jpg` with its real key.
 *
 * Preview: MediaConvert applies input clipping to every output of a job, so a
 * shorter preview would need a second job; `preview.mp4` is the whole clip,
 * small (480p box, no audio, 600 kbit/s cap).
 */
import type { CreateJobCommandInput, OutputGroup, VideoDescription } from '@aws-sdk/client-mediaconvert';
import {
  HLS,
  VIDEO_AUDIO,
  VIDEO_LADDER,
  VIDEO_POSTER,
  VIDEO_PREVIEW,
  VIDEO_QUALITY,
  fitWithin,
  planLadder,
  type SourceSize,
  type VideoRung,
} from '../../../shared/profiles/video.ts';
import type { VideoJobRequest } from '../../core/deps.ts';

export interface MediaConvertJobOptions {
  queueArn: string;
  roleArn: string;
}

const AUDIO_SELECTOR = 'Audio Selector 1';

/** Width and height when the source size is known; height alone (even scaling, may upscale) when not. */
function size(src: SourceSize | undefined, maxWidth: number, maxHeight: number): { Width?: number; Height: number } {
  if (!src) return { Height: maxHeight };
  const fit = fitWithin(src, maxWidth, maxHeight);
  return { Width: fit.width, Height: fit.height };
}

function h264(dims: { Width?: number; Height: number }, opts: { maxBitrate: number; profile: 'main' | 'high' }): VideoDescription {
  return {
    ...dims,
    ScalingBehavior: 'DEFAULT',
    AntiAlias: 'ENABLED',
    Sharpness: 50,
    ColorMetadata: 'INSERT',
    TimecodeInsertion: 'DISABLED',
    AfdSignaling: 'NONE',
    RespondToAfd: 'NONE',
    CodecSettings: {
      Codec: 'H_264',
      H264Settings: {
        RateControlMode: 'QVBR',
        QvbrSettings: { QvbrQualityLevel: VIDEO_QUALITY.qvbrLevel },
        MaxBitrate: opts.maxBitrate,
        HrdBufferSize: opts.maxBitrate * 2,
        CodecProfile: opts.profile === 'high' ? 'HIGH' : 'MAIN',
        CodecLevel: 'AUTO',
        QualityTuningLevel: 'SINGLE_PASS_HQ',
        // A closed GOP every gopSeconds; scene cuts may add I-frames but never move the cadence.
        GopSize: HLS.gopSeconds,
        GopSizeUnits: 'SECONDS',
        GopClosedCadence: 1,
        SceneChangeDetect: 'TRANSITION_DETECTION',
        NumberBFramesBetweenReferenceFrames: 2,
        InterlaceMode: 'PROGRESSIVE',
        FramerateControl: 'INITIALIZE_FROM_SOURCE',
        ParControl: 'SPECIFIED',
        ParNumerator: 1,
        ParDenominator: 1,
      },
    },
  };
}

function aac(bitrate: number) {
  return {
    AudioSourceName: AUDIO_SELECTOR,
    CodecSettings: {
      Codec: 'AAC' as const,
      AacSettings: {
        Bitrate: bitrate,
        CodecProfile: 'LC' as const,
        CodingMode: 'CODING_MODE_2_0' as const,
        RateControlMode: 'CBR' as const,
        SampleRate: VIDEO_AUDIO.sampleRate,
      },
    },
  };
}

/** The rungs to build: planned from the source size, or the whole ladder when it is unknown. */
export function rungsFor(src: SourceSize | undefined): (VideoRung & { Width?: number; Height: number })[] {
  if (!src) return VIDEO_LADDER.map((r) => ({ ...r, Height: r.maxHeight }));
  return planLadder(src).map((r) => ({ ...r, Width: r.width, Height: r.height }));
}

export function buildMediaConvertJob(req: VideoJobRequest, opts: MediaConvertJobOptions): CreateJobCommandInput {
  const s = req.source;
  const src = s?.width && s.height ? { width: s.width, height: s.height } : undefined;
  // Unknown means "assume audio": MediaConvert then uses the default selector.
  const audio = s?.hasAudio !== false;
  const dest = (name: string) => `s3://${req.outputBucket}/${req.outputPrefix}${name}`;

  const hls: OutputGroup = {
    Name: 'HLS',
    OutputGroupSettings: {
      Type: 'HLS_GROUP_SETTINGS',
      HlsGroupSettings: {
        Destination: dest(`${HLS.dir}/${HLS.baseName}`),
        SegmentLength: HLS.segmentSeconds,
        SegmentLengthControl: 'GOP_MULTIPLE',
        MinSegmentLength: 0,
        SegmentControl: 'SEGMENTED_FILES',
        OutputSelection: 'MANIFESTS_AND_SEGMENTS',
        DirectoryStructure: 'SINGLE_DIRECTORY',
        ManifestDurationFormat: 'FLOATING_POINT',
        CodecSpecification: 'RFC_4281',
        StreamInfResolution: 'INCLUDE',
        ProgramDateTime: 'EXCLUDE',
        ClientCache: 'ENABLED',
        ManifestCompression: 'NONE',
        CaptionLanguageSetting: 'OMIT',
      },
    },
    Outputs: rungsFor(src).map((r) => ({
      NameModifier: `_${r.name}`,
      ContainerSettings: { Container: 'M3U8', M3u8Settings: {} },
      VideoDescription: h264(
        { ...(r.Width ? { Width: r.Width } : {}), Height: r.Height },
        {
          maxBitrate: r.videoBitrate,
          profile: r.h264Profile,
        },
      ),
      ...(audio ? { AudioDescriptions: [aac(r.audioBitrate)] } : {}),
      OutputSettings: { HlsSettings: { IFrameOnlyManifest: 'EXCLUDE' } },
    })),
  };

  const preview: OutputGroup = {
    Name: 'Preview',
    OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: dest(VIDEO_PREVIEW.baseName) } },
    Outputs: [
      {
        Extension: 'mp4',
        ContainerSettings: { Container: 'MP4', Mp4Settings: { MoovPlacement: 'PROGRESSIVE_DOWNLOAD' } },
        VideoDescription: h264(size(src, VIDEO_PREVIEW.maxWidth, VIDEO_PREVIEW.maxHeight), {
          maxBitrate: VIDEO_PREVIEW.videoBitrate,
          profile: VIDEO_PREVIEW.h264Profile,
        }),
      },
    ],
  };

  const poster: OutputGroup = {
    Name: 'Poster',
    OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: dest(VIDEO_POSTER.baseName) } },
    Outputs: [
      {
        Extension: 'jpg',
        ContainerSettings: { Container: 'RAW' },
        VideoDescription: {
          ...size(src, VIDEO_POSTER.maxWidth, VIDEO_POSTER.maxHeight),
          CodecSettings: {
            Codec: 'FRAME_CAPTURE',
            FrameCaptureSettings: {
              FramerateNumerator: VIDEO_POSTER.capturesPerSecond,
              FramerateDenominator: 1,
              MaxCaptures: VIDEO_POSTER.maxCaptures,
              Quality: VIDEO_POSTER.quality,
            },
          },
        },
      },
    ],
  };

  return {
    Queue: opts.queueArn,
    Role: opts.roleArn,
    // One token per attempt: a redelivered submission returns the job already created.
    ClientRequestToken: `${req.jobId}:${req.attempt ?? 0}`,
    UserMetadata: { assetId: req.assetId, jobId: req.jobId },
    StatusUpdateInterval: 'SECONDS_60',
    Settings: {
      TimecodeConfig: { Source: 'ZEROBASED' },
      Inputs: [
        {
          FileInput: `s3://${req.inputBucket}/${req.inputKey}`,
          TimecodeSource: 'ZEROBASED',
          VideoSelector: { Rotate: 'AUTO' },
          ...(audio ? { AudioSelectors: { [AUDIO_SELECTOR]: { DefaultSelection: 'DEFAULT' } } } : {}),
        },
      ],
      OutputGroups: [hls, preview, poster],
    },
  };
}
