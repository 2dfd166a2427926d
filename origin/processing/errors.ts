/**
 * The one error type of ingest. Callers switch on `code`, never on the
 * message; `permanent` says whether trying again could help: a permanent
 * error is a property of the bytes (or the asset record) and ends the asset
 * `failed` (or `blocked`), a transient one is thrown so SQS redelivers.
 */

export type IngestErrorCode =
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
  /** A kind of content we refuse to process (e.g. an SVG with entity declarations). */
  | 'unsupported'
  /** The malware scanner found a signature. */
  | 'infected'
  /** The scanner itself failed (transient: retried). */
  | 'scan_failed'
  /** Another worker holds the ingest job (transient: retried later). */
  | 'busy'
  /** Every delivery failed; the message goes to the dead-letter queue. */
  | 'retries_exhausted';

const TRANSIENT: ReadonlySet<IngestErrorCode> = new Set(['scan_failed', 'busy']);

export class IngestError extends Error {
  readonly permanent: boolean;

  constructor(
    readonly code: IngestErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IngestError';
    this.permanent = !TRANSIENT.has(code);
  }
}

/** True for an IngestError that no retry can fix. Anything else (S3, database, bugs) is transient. */
export function isPermanent(err: unknown): err is IngestError {
  return err instanceof IngestError && err.permanent;
}

/** The text stored in `assets.status_reason` / `jobs.error`: stable code first, then the detail. */
export function reasonOf(err: IngestError): string {
  return `${err.code}: ${err.message}`;
}
