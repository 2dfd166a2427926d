/**
 * Decodes a MediaConvert "Job State Change" event for the completion
 * service. Anything else (another source, a status this pipeline does not
 * act on, missing userMetadata) is an `event_invalid` OriginError.
 */
import { z } from 'zod';
import { VIDEO_PHASE, type VideoPhase } from '../../shared/profiles/video.ts';
import { isAssetId } from '../../shared/storage/keys.ts';
import { JOB_STATE_CHANGE, MEDIACONVERT_SOURCE } from '../events/mediaconvert.ts';
import { OriginError } from '../core/errors.ts';

const uuid = z.string().refine(isAssetId, 'must be a lower-case UUID');

const videoDetails = z.object({ widthInPx: z.number().int().positive(), heightInPx: z.number().int().positive() }).partial().loose();

const outputGroup = z
  .object({
    type: z.string(),
    playlistFilePaths: z.array(z.string()).optional(),
    outputDetails: z
      .array(
        z
          .object({
            outputFilePaths: z.array(z.string()).optional(),
            durationInMs: z.number().nonnegative().optional(),
            videoDetails: videoDetails.optional(),
          })
          .loose(),
      )
      .default([]),
  })
  .loose();

const eventSchema = z.object({
  source: z.literal(MEDIACONVERT_SOURCE),
  'detail-type': z.literal(JOB_STATE_CHANGE),
  detail: z
    .object({
      jobId: z.string().min(1),
      status: z.enum(['COMPLETE', 'ERROR', 'CANCELED']),
      userMetadata: z
        .object({ assetId: uuid, jobId: uuid, phase: z.enum([VIDEO_PHASE.quick, VIDEO_PHASE.preview, VIDEO_PHASE.ladder]).optional() })
        .loose(),
      outputGroupDetails: z.array(outputGroup).default([]),
      errorCode: z.number().optional(),
      errorMessage: z.string().optional(),
    })
    .loose(),
});

export interface VideoJobEvent {
  /** MediaConvert's job id (jobs.external_id). */
  externalId: string;
  status: 'COMPLETE' | 'ERROR' | 'CANCELED';
  assetId: string;
  /** Our jobs row id. */
  jobId: string;
  /** Which part of the transcode finished; `ladder` when the event does not say (one-job transcodes). */
  phase: VideoPhase;
  errorCode: number | undefined;
  errorMessage: string | undefined;
  /** Width/height/duration MediaConvert reported, by output file path relative to `{assetId}/`. */
  outputs: Map<string, { width?: number; height?: number; durationMs?: number }>;
}

/** Parses the event; output paths in the derivatives bucket are made relative to `{assetId}/`. */
export function parseVideoJobEvent(event: unknown, derivativesBucket: string): VideoJobEvent {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new OriginError('event_invalid', `not a MediaConvert job COMPLETE/ERROR/CANCELED event for this pipeline (${where})`);
  }
  const d = parsed.data.detail;
  const base = `s3://${derivativesBucket}/${d.userMetadata.assetId}/`;
  const outputs: VideoJobEvent['outputs'] = new Map();
  for (const group of d.outputGroupDetails) {
    for (const o of group.outputDetails) {
      for (const p of o.outputFilePaths ?? []) {
        if (!p.startsWith(base)) continue;
        outputs.set(p.slice(base.length), {
          ...(o.videoDetails?.widthInPx ? { width: o.videoDetails.widthInPx } : {}),
          ...(o.videoDetails?.heightInPx ? { height: o.videoDetails.heightInPx } : {}),
          ...(o.durationInMs !== undefined ? { durationMs: o.durationInMs } : {}),
        });
      }
    }
  }
  return {
    externalId: d.jobId,
    status: d.status,
    assetId: d.userMetadata.assetId,
    jobId: d.userMetadata.jobId,
    phase: d.userMetadata.phase ?? VIDEO_PHASE.ladder,
    errorCode: d.errorCode,
    errorMessage: d.errorMessage,
    outputs,
  };
}
