/**
 * The `outputGroupDetails` MediaConvert would report for the files the local
 * ffmpeg run wrote: an HLS group (multivariant playlist + one output per
 * rung present), a file group for the progressive copy, the preview and the poster (whose
 * outputFilePaths name the final capture, as MediaConvert's do).
 */
import {
  MASTER_PLAYLIST,
  VIDEO_PREVIEW_FILE,
  VIDEO_PREVIEW,
  VIDEO_PROGRESSIVE,
  parseVideoFile,
  rungPlaylist,
} from '../shared/profiles/video.ts';
import type { MediaConvertOutputGroupDetail } from '../origin/events/mediaconvert.ts';
import type { VideoPlan } from '../origin/processing/video/ffmpeg.ts';
import type { ProbeResult } from '../origin/processing/video/ffprobe.ts';

/**
 * @param base `s3://bucket/{assetId}/`
 * @param files paths relative to the output folder, as uploaded
 */
export function outputGroupDetails(base: string, plan: VideoPlan, probe: ProbeResult, files: string[]): MediaConvertOutputGroupDetail[] {
  const durationInMs = Math.round(probe.durationSec * 1000);
  const have = new Set(files);
  const groups: MediaConvertOutputGroupDetail[] = [
    {
      type: 'HLS_GROUP',
      playlistFilePaths: [`${base}${MASTER_PLAYLIST}`],
      outputDetails: plan.rungs
        .filter((r) => have.has(rungPlaylist(r.name)))
        .map((r) => ({
          outputFilePaths: [`${base}${rungPlaylist(r.name)}`],
          durationInMs,
          videoDetails: { widthInPx: r.width, heightInPx: r.height, averageBitrate: r.videoBitrate },
        })),
    },
  ];
  if (have.has(VIDEO_PROGRESSIVE.kind)) {
    groups.push({
      type: 'FILE_GROUP',
      outputDetails: [
        {
          outputFilePaths: [`${base}${VIDEO_PROGRESSIVE.kind}`],
          durationInMs,
          videoDetails: { widthInPx: probe.width, heightInPx: probe.height },
        },
      ],
    });
  }
  if (have.has(VIDEO_PREVIEW_FILE)) {
    groups.push({
      type: 'FILE_GROUP',
      outputDetails: [
        {
          outputFilePaths: [`${base}${VIDEO_PREVIEW_FILE}`],
          durationInMs,
          videoDetails: { widthInPx: plan.preview.width, heightInPx: plan.preview.height, averageBitrate: VIDEO_PREVIEW.videoBitrate },
        },
      ],
    });
  }
  const lastCapture = files
    .filter((f) => parseVideoFile(f)?.type === 'poster')
    .sort()
    .at(-1);
  if (lastCapture) {
    groups.push({
      type: 'FILE_GROUP',
      outputDetails: [
        {
          outputFilePaths: [`${base}${lastCapture}`],
          durationInMs,
          videoDetails: { widthInPx: plan.poster.width, heightInPx: plan.poster.height },
        },
      ],
    });
  }
  return groups;
}
