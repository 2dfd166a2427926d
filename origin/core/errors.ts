/**
 * The one error type of the origin: ingest and processing (a property of the
 * bytes or the asset record), the video transcode and its completion, the
 * sweeper, the purge and the Lambda runtime bootstrap. Callers switch on
 * `code`, never on the message. `permanent` says whether trying the same
 * thing again could help: a permanent ingest error ends the asset `failed`
 * (or `blocked`); a transient one is thrown so SQS redelivers. Anything that
 * is not an OriginError (S3, the database, bugs) counts as transient.
 */

export type OriginErrorCode =
  // ---- ingest: the bytes or the asset record ----
  /** The object's size differs from the size recorded at upload. */
  | 'size_mismatch'
  /** The object's SHA-256 differs from the one recorded at upload. */
  | 'checksum_mismatch'
  /** The event names an object that no longer exists. */
  | 'missing'
  /** Zero bytes. */
  | 'empty'
  /** The file ends before its format's end marker. */
  | 'truncated'
  /** The bytes claim a format but do not decode as it. */
  | 'corrupt'
  /** The image declares more pixels than MAX_INPUT_PIXELS. */
  | 'pixel_limit'
  /** Larger than the profile allows for its kind. */
  | 'too_large'
  /** An image with nothing we can show (a camera RAW without an embedded preview): stored with its icon, not failed. */
  | 'no_preview'
  /** A kind of content we refuse to process (e.g. an SVG with entity declarations). */
  | 'unsupported'
  /** The malware scanner found a signature. */
  | 'infected'
  /** The scanner itself failed (transient: retried). */
  | 'scan_failed'
  /** Another worker holds the ingest job (transient: retried later). */
  | 'busy'
  /** Every delivery failed; the message goes to the dead-letter queue. */
  | 'retries_exhausted'
  // ---- video ----
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
  // ---- the Lambda runtime ----
  /** Missing or malformed Lambda environment. */
  | 'runtime_config'
  /** Secrets Manager did not return the database secret. */
  | 'secret_unavailable'
  /** The database secret lacks a username or password. */
  | 'secret_invalid';

/** The codes worth another try; every other code is permanent. */
const TRANSIENT: ReadonlySet<OriginErrorCode> = new Set<OriginErrorCode>([
  'scan_failed',
  'busy',
  'transcoder_closed',
  'submit_failed',
  'secret_unavailable',
]);

export class OriginError extends Error {
  /** True when trying the same thing again cannot help. */
  readonly permanent: boolean;

  constructor(
    readonly code: OriginErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OriginError';
    this.permanent = !TRANSIENT.has(code);
  }
}

/** An OriginError, and one with `code` when given. */
export function isOriginError(err: unknown, code?: OriginErrorCode): err is OriginError {
  return err instanceof OriginError && (code === undefined || err.code === code);
}

/** True for an OriginError that no retry can fix. */
export function isPermanent(err: unknown): err is OriginError {
  return err instanceof OriginError && err.permanent;
}

/**
 * The text `assets.status_reason` and `jobs.error` store: the stable code
 * first, then the detail, for an OriginError; the message otherwise.
 */
export function describeError(err: unknown): string {
  if (err instanceof OriginError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
