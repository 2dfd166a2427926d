/**
 * MediaConvert's "Job State Change" EventBridge event, as AWS documents it
 * (https://docs.aws.amazon.com/mediaconvert/latest/ug/ev_status_complete.html),
 * and a builder the local ffmpeg transcoder uses to emit the same shape.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from './types.ts';

export const MEDIACONVERT_SOURCE = 'aws.mediaconvert';
export const JOB_STATE_CHANGE = 'MediaConvert Job State Change';

export interface MediaConvertVideoDetails {
  widthInPx?: number;
  heightInPx?: number;
  averageBitrate?: number;
}

export interface MediaConvertOutputDetail {
  outputFilePaths?: string[];
  durationInMs?: number;
  videoDetails?: MediaConvertVideoDetails;
}

export interface MediaConvertOutputGroupDetail {
  type: 'HLS_GROUP' | 'FILE_GROUP' | 'DASH_ISO_GROUP' | 'CMAF_GROUP' | 'MS_SMOOTH_GROUP';
  /** HLS: the multivariant playlist(s). */
  playlistFilePaths?: string[];
  outputDetails: MediaConvertOutputDetail[];
}

export type MediaConvertJobStatus =
  | 'SUBMITTED'
  | 'PROGRESSING'
  | 'STATUS_UPDATE'
  | 'INPUT_INFORMATION'
  | 'COMPLETE'
  | 'ERROR'
  | 'CANCELED'
  | 'NEW_WARNING'
  | 'QUEUE_HOP';

export interface MediaConvertJobDetail {
  timestamp: number;
  accountId: string;
  queue: string;
  jobId: string;
  status: MediaConvertJobStatus;
  userMetadata: Record<string, string>;
  outputGroupDetails?: MediaConvertOutputGroupDetail[];
  errorCode?: number;
  errorMessage?: string;
  warnings?: { code: number; count: number }[];
}

export type MediaConvertJobEvent = EventBridgeEvent<typeof JOB_STATE_CHANGE, MediaConvertJobDetail>;

export interface JobEventInit {
  jobId: string;
  status: 'COMPLETE' | 'ERROR' | 'CANCELED';
  userMetadata: Record<string, string>;
  outputGroupDetails?: MediaConvertOutputGroupDetail[];
  errorCode?: number;
  errorMessage?: string;
  region?: string;
  account?: string;
  queue?: string;
  now?: Date;
}

/** A job-state event exactly as EventBridge would deliver it to the completion Lambda. */
export function jobStateChangeEvent(init: JobEventInit): MediaConvertJobEvent {
  const region = init.region ?? 'us-east-1';
  const account = init.account ?? '000000000000';
  const now = init.now ?? new Date();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': JOB_STATE_CHANGE,
    source: MEDIACONVERT_SOURCE,
    account,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:mediaconvert:${region}:${account}:jobs/${init.jobId}`],
    detail: {
      timestamp: now.getTime(),
      accountId: account,
      queue: init.queue ?? `arn:aws:mediaconvert:${region}:${account}:queues/Default`,
      jobId: init.jobId,
      status: init.status,
      userMetadata: init.userMetadata,
      ...(init.outputGroupDetails ? { outputGroupDetails: init.outputGroupDetails } : {}),
      ...(init.errorCode !== undefined ? { errorCode: init.errorCode } : {}),
      ...(init.errorMessage !== undefined ? { errorMessage: init.errorMessage } : {}),
    },
  };
}
