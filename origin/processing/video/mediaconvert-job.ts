/**
 * The MediaConvert CreateJob requests for one asset, built from the shared
 * video profile (shared/profiles/video.ts) in phases (see
 * buildMediaConvertJobs): HLS groups (one muxed H.264 + AAC output per
 * rung), a file group for `preview.mp4` and a frame-capture group for the
 * poster.
 *
 * Poster naming: MediaConvert always appends a counter to frame captures
 * (`poster.0000000.jpg`, `poster.0000001.jpg`), and the completion Lambda may
 * only read the derivatives bucket, so nothing is renamed: the completion
 * handler records the last capture under kind `poster.jpg` with its real key.
 *
 * Preview: MediaConvert applies input clipping to every output of a job, so
 * the 10 s preview (480p box, no audio, 600 kbit/s cap) is a job of its own.
 * Storyboards (sprite + WebVTT) are made by the local ffmpeg only: MediaConvert
 * writes frame captures, not sprite sheets.
 */
import type { CreateJobCommandInput, OutputGroup, VideoDescription } from '@aws-sdk/client-mediaconvert';
import {
  HLS,
  VIDEO_AUDIO,
  VIDEO_LADDER,
  VIDEO_POSTER,
  VIDEO_PREVIEW,
  VIDEO_PHASE,
  VIDEO_QUALITY,
  fitWithin,
  planLadder,
  type SourceSize,
  type VideoPhase,
  type VideoRung,
} from '../../../shared/profiles/video.ts';
import type { VideoJobRequest } from '../../core/deps.ts';

export interface MediaConvertJobOptions {
  queueArn: string;
  roleArn: string;
  /**
   * Accelerated transcoding: PREFERRED runs accelerated when the account and
   * the input allow it and normally otherwise (no failure). @default 'PREFERRED'
   */
  acceleration?: 'PREFERRED' | 'ENABLED' | 'DISABLED';
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

type Dims = { Width?: number; Height: number };

function hlsGroup(req: VideoJobRequest, rungs: (VideoRung & Dims)[], audio: boolean): OutputGroup {
  return {
    Name: 'HLS',
    OutputGroupSettings: {
      Type: 'HLS_GROUP_SETTINGS',
      HlsGroupSettings: {
        Destination: dest(req, `${HLS.dir}/${HLS.baseName}`),
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
    Outputs: rungs.map((r) => ({
      NameModifier: `_${r.name}`,
      ContainerSettings: { Container: 'M3U8', M3u8Settings: {} },
      VideoDescription: h264(
        { ...(r.Width ? { Width: r.Width } : {}), Height: r.Height },
        { maxBitrate: r.videoBitrate, profile: r.h264Profile },
      ),
      ...(audio ? { AudioDescriptions: [aac(r.audioBitrate)] } : {}),
      OutputSettings: { HlsSettings: { IFrameOnlyManifest: 'EXCLUDE' } },
    })),
  };
}

function previewGroup(req: VideoJobRequest, src: SourceSize | undefined): OutputGroup {
  return {
    Name: 'Preview',
    OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: dest(req, VIDEO_PREVIEW.baseName) } },
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
}

function posterGroup(req: VideoJobRequest, src: SourceSize | undefined): OutputGroup {
  return {
    Name: 'Poster',
    OutputGroupSettings: { Type: 'FILE_GROUP_SETTINGS', FileGroupSettings: { Destination: dest(req, VIDEO_POSTER.baseName) } },
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
}

const dest = (req: VideoJobRequest, name: string) => `s3://${req.outputBucket}/${req.outputPrefix}${name}`;

/** `HH:MM:SS:FF` (frame 0) for a whole number of seconds. */
const timecode = (sec: number) => `${new Date(sec * 1000).toISOString().slice(11, 19)}:00`;

export interface MediaConvertPhaseJob {
  phase: VideoPhase;
  input: CreateJobCommandInput;
}

/**
 * The transcode as three MediaConvert jobs, submitted in this order:
 * `quick` (the lowest rung with its master and the poster; highest
 * priority), `preview` (the first seconds: input clipping applies to every
 * output of a job, so the clip is a job of its own) and `ladder` (every rung
 * under the same names, so the master it writes at the end names them all;
 * the lowest rung is encoded again, on the same 2 s GOP cadence and 6 s
 * segment boundaries, replacing the quick job's files with equivalent ones).
 * The Lambda cannot probe the original, so there is no progressive copy in
 * AWS: the quick rung is the first playable file.
 */
export function buildMediaConvertJobs(req: VideoJobRequest, opts: MediaConvertJobOptions): MediaConvertPhaseJob[] {
  const s = req.source;
  const src = s?.width && s.height ? { width: s.width, height: s.height } : undefined;
  // Unknown means "assume audio": MediaConvert then uses the default selector.
  const audio = s?.hasAudio !== false;
  const rungs = rungsFor(src);
  const input = (phase: VideoPhase, groups: OutputGroup[], extra: { priority: number; clipSeconds?: number }): MediaConvertPhaseJob => ({
    phase,
    input: {
      Queue: opts.queueArn,
      Role: opts.roleArn,
      // One token per attempt and phase: a redelivered submission returns the jobs already created.
      ClientRequestToken: `${req.jobId}:${req.attempt ?? 0}:${phase}`,
      UserMetadata: { assetId: req.assetId, jobId: req.jobId, phase },
      StatusUpdateInterval: 'SECONDS_60',
      Priority: extra.priority,
      AccelerationSettings: { Mode: opts.acceleration ?? 'PREFERRED' },
      Settings: {
        TimecodeConfig: { Source: 'ZEROBASED' },
        Inputs: [
          {
            FileInput: `s3://${req.inputBucket}/${req.inputKey}`,
            TimecodeSource: 'ZEROBASED',
            VideoSelector: { Rotate: 'AUTO' },
            ...(audio ? { AudioSelectors: { [AUDIO_SELECTOR]: { DefaultSelection: 'DEFAULT' } } } : {}),
            ...(extra.clipSeconds ? { InputClippings: [{ StartTimecode: timecode(0), EndTimecode: timecode(extra.clipSeconds) }] } : {}),
          },
        ],
        OutputGroups: groups,
      },
    },
  });
  return [
    input(VIDEO_PHASE.quick, [hlsGroup(req, rungs.slice(0, 1), audio), posterGroup(req, src)], { priority: 10 }),
    input(VIDEO_PHASE.preview, [previewGroup(req, src)], { priority: 0, clipSeconds: VIDEO_PREVIEW.maxSeconds }),
    input(VIDEO_PHASE.ladder, [hlsGroup(req, rungs, audio)], { priority: 0 }),
  ];
}
