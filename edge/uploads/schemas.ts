/**
 * What a client declares about an upload, validated before anything is
 * created: the file name (stored, shown, never used as a key), the exact size,
 * the MIME type (its essence, lower-cased), an optional SHA-256 the pipeline
 * checks, and an optional collection to file it in.
 */
import { z } from '@hono/zod-openapi';
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
const declaredSize = z.union([
  size,
  z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'must be a whole number')
    .transform(Number)
    .pipe(size),
]);

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
export const uploadIdParam = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[A-Za-z0-9._~+=/-]+$/);

/** `POST /api/uploads` 201: where to PUT the bytes. */
export const uploadStartedSchema = z
  .object({
    assetId: z.string(),
    method: z.literal('PUT'),
    url: z.string().openapi({ description: 'Presigned S3 URL: PUT the bytes here with `headers`.' }),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  })
  .openapi('UploadStarted');

/** `POST /api/uploads` 200 with `dedup`: the caller's ready asset with the same bytes. */
export const uploadDeduplicatedSchema = z
  .object({ assetId: z.string(), status: z.literal('ready'), deduplicated: z.literal(true) })
  .openapi('UploadDeduplicated');

/** `GET /api/assets/{id}/status` and `GET /status`: where an upload is. */
export const assetStatusSchema = z
  .object({
    assetId: z.string(),
    status: z.enum(['pending', 'uploaded', 'processing', 'ready', 'failed', 'blocked']),
    reason: z.string().optional().openapi({ description: 'Why it failed or was blocked.' }),
    derivatives: z
      .array(
        z.object({
          variant: z.string(),
          contentType: z.string(),
          width: z.number().nullable(),
          height: z.number().nullable(),
          size: z.number().nullable(),
          status: z.string(),
          url: z.string().openapi({ description: 'The `/m/...` path (Bearer or a signed URL from `GET /api/assets/{id}` needed).' }),
        }),
      )
      .optional(),
    upload: z
      .object({
        method: z.enum(['PUT', 'multipart']),
        status: z.string(),
        partSize: z.number().optional(),
        expiresAt: z.string(),
        completedAt: z.string().optional(),
      })
      .optional()
      .openapi({ description: 'The owner only.' }),
  })
  .openapi('AssetStatus');
export type AssetStatus = z.infer<typeof assetStatusSchema>;
