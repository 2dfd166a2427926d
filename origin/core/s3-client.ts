/**
 * The origin's one way to build an S3Client (@aws-sdk/client-s3), from the
 * storage settings in shared/config.ts: the same endpoint, region, path style
 * and key pair the edge is given, so the local stack and AWS differ only in
 * configuration.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { OriginConfig } from '../../shared/config.ts';

export interface StorageSettings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`. @default true */
  forcePathStyle?: boolean;
  /** Attempts per call, the first included. @default 3 */
  maxAttempts?: number;
}

/** The settings of the parsed origin config (Lambda handlers, CLIs). */
export function storageSettings(
  c: Pick<
    OriginConfig,
    'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_SESSION_TOKEN' | 'S3_FORCE_PATH_STYLE'
  >,
): StorageSettings {
  return {
    endpoint: c.S3_ENDPOINT,
    region: c.S3_REGION,
    accessKeyId: c.S3_ACCESS_KEY_ID,
    secretAccessKey: c.S3_SECRET_ACCESS_KEY,
    sessionToken: c.S3_SESSION_TOKEN,
    forcePathStyle: c.S3_FORCE_PATH_STYLE,
  };
}

export function createS3Client(s: StorageSettings): S3Client {
  return new S3Client({
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: s.forcePathStyle ?? true,
    credentials: {
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
      ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}),
    },
    // A retry of a replayable call on 5xx/throttling; a Lambda's time is better spent failing the message to SQS than waiting.
    maxAttempts: s.maxAttempts ?? 3,
    // Checksums only where S3 requires one (DeleteObjects), not on every PUT.
    // The SDK's default since 3.729 sends a stream body as
    // `STREAMING-UNSIGNED-PAYLOAD-TRAILER` with a CRC32 trailer, which the
    // local S3 server (s3rver) rejects (it accepts a signed payload hash,
    // UNSIGNED-PAYLOAD or STREAMING-AWS4-HMAC-SHA256-PAYLOAD), and validating
    // response checksums would need one stored per object. Integrity does not
    // rest on these: ingest and the migration hash every byte themselves
    // (SHA-256), and a PUT can still carry `x-amz-checksum-sha256`, which
    // AWS S3 verifies. The SigV4 signature is unchanged either way.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
