/**
 * What a client declares about an upload, validated before anything is
 * created: the file name (stored, shown, never used as a key), the exact size,
 * the MIME type (its essence, lower-cased), an optional SHA-256 the pipeline
 * checks, and an optional collection to file it in.
 */
import { z } from 'zod';
import { safeText } from '../api/text.ts';
import { MAX_UPLOAD_BYTES } from './limits.ts';

// RFC 9110 token characters; an essence is `type/subtype` with no parameters.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MIME_ESSENCE = new RegExp(`^${TOKEN}/${TOKEN}$`);
// Safe text (../api/text.ts): no controls, bidi or invisible characters, valid Unicode, NFC.
export const filename = safeText({ min: 1, max: 255 });

export const size = z.number().int().min(1).max(MAX_UPLOAD_BYTES);

export const contentType = z
  .string()
  .max(255)
  .regex(MIME_ESSENCE, 'must be a MIME type such as image/jpeg, without parameters')
  .transform((s) => s.toLowerCase());

export const sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters')
  .transform((s) => s.toLowerCase());

export const collectionId = z.uuid();

/** `POST /api/uploads`. */
export const createUploadBody = z.strictObject({
  filename,
  size,
  contentType,
  sha256: sha256.optional(),
  collectionId: collectionId.optional(),
  /** Answer with an asset the caller already owns when `sha256` matches a ready one. */
  dedup: z.boolean().optional(),
});
export type CreateUploadBody = z.output<typeof createUploadBody>;

/** A size sent as a number (JSON) or a decimal string (Uppy's query-string metadata). */
const declaredSize = z.union([size, z.string().regex(/^[1-9]\d{0,15}$/, 'must be a whole number').transform(Number).pipe(size)]);

/**
 * The Uppy metadata the edge reads: `size` is required (Uppy does not send a
 * file's size on its own; the client adds it to the file's meta). Other meta
 * fields Uppy sends (`name`, `type`, `relativePath`, ...) are ignored.
 */
export const uploadMetadata = z.looseObject({
  size: declaredSize,
  sha256: sha256.optional(),
  collectionId: collectionId.optional(),
});

/** `POST /s3/multipart`, as `@uppy/aws-s3` sends it. */
export const createMultipartBody = z.strictObject({
  filename,
  type: contentType,
  metadata: uploadMetadata,
});

/** `POST /s3/multipart/:uploadId/complete`. */
export const completeMultipartBody = z.strictObject({
  parts: z
    .array(
      z.looseObject({
        PartNumber: z.number().int().min(1).max(10_000),
        ETag: z.string().min(1).max(256),
      }),
    )
    .min(1)
    .max(10_000),
});

/** An S3 UploadId as it appears in paths; AWS's are opaque URL-safe strings. */
export const uploadIdParam = z.string().min(1).max(1024).regex(/^[A-Za-z0-9._~+=\/-]+$/);
