/**
 * The error type of the video transcode, its completion, the sweeper, the
 * purge and the Lambda runtime bootstrap. Callers switch on `code`, never on
 * the message. (Ingest has its own, origin/processing/errors.ts.)
 */

export type PipelineErrorCode =
  /** ffmpeg or ffprobe is not installed (local stand-in only). */
  | 'ffmpeg_missing'
  /** ffprobe could not read the original. */
  | 'probe_failed'
  /** The original has no video stream. */
  | 'no_video'
  /** ffmpeg exited with an error. */
  | 'transcode_failed'
  /** The local transcoder was closed while the job ran (its ffmpeg was killed). */
  | 'transcoder_closed'
  /** The original is not in the raw bucket. */
  | 'source_missing'
  /** MediaConvert refused the job (a client error: retrying the same request will not help). */
  | 'submit_rejected'
  /** MediaConvert could not be reached or failed (throttling, 5xx, network). */
  | 'submit_failed'
  /** An event that is not a MediaConvert job-state change this pipeline understands. */
  | 'event_invalid'
  /** A COMPLETE event whose outputs are not in the derivatives bucket. */
  | 'outputs_missing'
  /** Missing or malformed Lambda environment. */
  | 'runtime_config'
  /** Secrets Manager did not return the database secret. */
  | 'secret_unavailable'
  /** The database secret lacks a username or password. */
  | 'secret_invalid';

const PERMANENT: ReadonlySet<PipelineErrorCode> = new Set([
  'ffmpeg_missing',
  'probe_failed',
  'no_video',
  'transcode_failed',
  'source_missing',
  'submit_rejected',
  'event_invalid',
  'outputs_missing',
  'runtime_config',
  'secret_invalid',
]);

export class PipelineError extends Error {
  /** True when trying the same thing again cannot help. */
  readonly permanent: boolean;

  constructor(
    readonly code: PipelineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PipelineError';
    this.permanent = PERMANENT.has(code);
  }
}

export function isPipelineError(err: unknown, code?: PipelineErrorCode): err is PipelineError {
  return err instanceof PipelineError && (code === undefined || err.code === code);
}

/** `code: message` for a PipelineError (what jobs.error / status_reason store); the message otherwise. */
export function describeError(err: unknown): string {
  if (err instanceof PipelineError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
