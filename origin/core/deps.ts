/**
 * What every pipeline step is given: the database, storage, bucket names, the
 * video transcoder (MediaConvert in AWS, ffmpeg locally), an optional malware
 * scanner, a logger and a clock. Handlers build one set per Lambda container
 * (origin/handlers/runtime.ts); the local stack and tests build their own.
 */
import type { Database } from '../../shared/db/database.ts';
import type { OriginStorage } from './storage.ts';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** One video transcode of one asset's original into its derivatives folder. */
export interface VideoJobRequest {
  assetId: string;
  /** The jobs row id; echoed back in the completion event's userMetadata. */
  jobId: string;
  inputBucket: string;
  inputKey: string;
  outputBucket: string;
  /** `{assetId}/`: outputs land at `{assetId}/hls/...`, `{assetId}/poster.jpg`, `{assetId}/preview.mp4`. */
  outputPrefix: string;
  /**
   * What ingest learned about the original. MediaConvert needs the display
   * size to drop rungs above the source (without it the whole ladder is
   * built) and `hasAudio: false` to leave audio out; ffmpeg probes for itself.
   */
  source?: { width?: number; height?: number; durationSec?: number; hasAudio?: boolean };
  /** 0 for the first submission, +1 per retry; keeps MediaConvert's idempotency token per attempt. */
  attempt?: number;
}

/**
 * Starts a transcode and returns at once. Completion arrives later as a
 * MediaConvert "Job State Change" event handled by origin/handlers/mediaconvert-complete.ts
 * (locally the ffmpeg transcoder delivers the same event shape to the same handler).
 */
export interface VideoTranscoder {
  submit(job: VideoJobRequest): Promise<{ externalId: string }>;
}

/** Pluggable malware scan; off (absent) by default. */
export interface MalwareScanner {
  /** Scans a local file; `infected` names the signature when found. */
  scanFile(path: string): Promise<{ clean: true } | { clean: false; signature: string }>;
}

export interface PipelineDeps {
  db: Database;
  storage: OriginStorage;
  buckets: { raw: string; derivatives: string };
  transcoder: VideoTranscoder;
  scanner?: MalwareScanner;
  log: Logger;
  now: () => Date;
  /**
   * Parent of each ingest's temp folder (`ingest-*`), default the system's.
   * The local stack gives its own (DATA_DIR/tmp) and, holding the data lock,
   * removes the folders a killed process left there at start
   * (local/stale-temp.ts); in Lambda /tmp belongs to one execution environment.
   */
  tmpDir?: string;
}

/** A logger writing one JSON line per entry (CloudWatch-friendly). */
export const jsonLogger = (base: Record<string, unknown> = {}): Logger => {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) =>
    console.log(JSON.stringify({ level, msg, ...base, ...fields }));
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
};
