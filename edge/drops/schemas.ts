/**
 * Upload ("file drop") link schemas: the settings a manager gives
 * (`upload` in `POST|PATCH /api/share-links`), what they see, what a holder
 * sees on `GET /api/share/:token`, and what a holder sends with each file.
 */
import { z } from '@hono/zod-openapi';
import { safeText } from '../api/text.ts';
import { MAX_UPLOAD_BYTES } from '../uploads/limits.ts';
import { contentType, filename, sha256, size, uploadMetadata } from '../uploads/schemas.ts';

export const dropKindsSchema = z.enum(['any', 'images', 'videos']);
export type DropKinds = z.infer<typeof dropKindsSchema>;

/** Total bytes a link may take: up to 10 TiB. */
export const MAX_DROP_TOTAL = 10 * 1024 * MAX_UPLOAD_BYTES;

export const uploadSettingsInput = z
  .strictObject({
    dropOnly: z.boolean().default(false).openapi({ description: 'true: holders only add files; they see nothing of the collection.' }),
    kinds: dropKindsSchema.default('any').openapi({ description: 'What may be dropped, by declared type (image/*, video/*).' }),
    maxFiles: z.number().int().min(1).max(1_000_000).nullable().default(null),
    maxBytes: z.number().int().min(1).max(MAX_DROP_TOTAL).nullable().default(null),
    maxFileSize: z.number().int().min(1).max(MAX_UPLOAD_BYTES).nullable().default(null),
  })
  .openapi('UploadLinkSettings');
export type UploadSettingsInput = z.output<typeof uploadSettingsInput>;

/** What managers see of a link's upload side (null: the link takes no uploads). */
export const uploadSettingsView = z
  .object({
    dropOnly: z.boolean(),
    kinds: dropKindsSchema,
    maxFiles: z.number().int().nullable(),
    maxBytes: z.number().int().nullable(),
    maxFileSize: z.number().int().nullable(),
    files: z.number().int().openapi({ description: 'Files reserved so far (started uploads).' }),
    bytes: z.number().int().openapi({ description: 'Bytes reserved so far.' }),
  })
  .nullable()
  .openapi('UploadLinkView');

/**
 * What a holder sees: the rules, not the counters (how many others dropped
 * is not theirs to know), and the Companion endpoint a stock Uppy uses.
 */
export const dropInfoSchema = z
  .object({
    dropOnly: z.boolean(),
    kinds: dropKindsSchema,
    maxFileSize: z.number().int().nullable(),
    maxFiles: z.number().int().nullable(),
    maxBytes: z.number().int().nullable(),
    endpoint: z
      .string()
      .openapi({ example: '/s/<token>', description: 'Uppy `endpoint`: it calls `{endpoint}/s3/multipart`, `{endpoint}/s3/params`.' }),
    collectionName: z.string(),
  })
  .nullable()
  .openapi('DropInfo');

/** Who is dropping: a name (required) and a note, as Uppy metadata (`uploaderName`, `note`). */
export const uploaderName = safeText({ min: 1, max: 100, trim: true });
export const uploaderNote = safeText({ max: 1000, multiline: true, trim: true });

/** Metadata of a file dropped through a link: no `collectionId` (the link names its one collection). */
export const dropMetadata = uploadMetadata.extend({
  uploaderName,
  note: uploaderNote.optional(),
  collectionId: z.undefined({ error: 'An upload link files into its own collection only.' }).optional(),
});

/** `POST /s/:token/s3/multipart`. */
export const dropMultipartBody = z.strictObject({ filename, type: contentType, metadata: dropMetadata });

/** `POST /api/share/{token}/uploads`: a presigned PUT, as `POST /api/uploads`. */
export const dropPutBody = z
  .strictObject({ filename, size, contentType, sha256: sha256.optional(), uploaderName, note: uploaderNote.optional() })
  .openapi('DropUpload');
