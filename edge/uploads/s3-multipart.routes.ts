/**
 * The Companion-style S3 contract `@uppy/aws-s3` speaks (`companionEndpoint`
 * set to the edge's origin), also used by the upload CLI:
 *
 *   POST   /s3/multipart                      {filename, type, metadata{size,…}} → {key, uploadId, …}
 *   GET    /s3/multipart/:uploadId/:part?key= → {url, expires}  (presigned UploadPart, 15 min)
 *   GET    /s3/multipart/:uploadId?key=       → [{PartNumber, Size, ETag}]
 *   POST   /s3/multipart/:uploadId/complete?key= {parts} → {location, key, assetId}
 *   DELETE /s3/multipart/:uploadId?key=       → 204
 *
 * Every call needs the Bearer access token, and the uploadId/key pair must be
 * an upload of the caller's: anything else is 404, so ids are not revealed.
 */
import { Hono, type Context } from 'hono';
import { z } from '@hono/zod-openapi';
import { StorageError } from '../storage/s3-client.ts';
import { currentUser, requireUser } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';
import { AppError, retryLater } from '../errors.ts';
import { BODY_LIMITS, readJson } from '../api/json-body.ts';
import { completeMultipart, storedParts } from './complete-multipart.ts';
import { maxPartNumber, PART_URL_TTL } from './limits.ts';
import { completeMultipartBody, createMultipartBody, uploadIdParam } from './schemas.ts';
import { startMultipartUpload } from './start-upload.ts';
import { uploadDeps } from './upload-deps.ts';
import { cachedUpload, forgetUpload, rememberUpload } from './upload-cache.ts';
import { findMultipartUpload, markAborted, type UploadRecord } from './upload-store.ts';

const noSuchUpload = () => new AppError('not_found', 'No such upload.');

/**
 * The caller's upload named by `:uploadId` and `?key=`, or 404. With `cached`
 * (the part-URL call) an active upload this isolate looked up in the last
 * minute is answered from memory (../uploads/upload-cache.ts).
 */
async function ownedUpload(c: Context<AppEnv>, opts: { cached?: boolean } = {}): Promise<{ upload: UploadRecord; uploadId: string }> {
  const uploadId = c.req.param('uploadId') ?? '';
  const key = c.req.query('key') ?? '';
  if (!uploadIdParam.safeParse(uploadId).success || key.length === 0 || key.length > 1024) throw noSuchUpload();
  const userId = currentUser(c).id;
  const now = Date.now();
  const hit = opts.cached ? cachedUpload(userId, uploadId, key, now) : undefined;
  if (hit) return { upload: hit, uploadId };
  const upload = await findMultipartUpload(c.get('services').db(), userId, uploadId, key);
  if (!upload) throw noSuchUpload();
  if (upload.status === 'active') rememberUpload(userId, uploadId, upload, now);
  else forgetUpload(userId, uploadId, key);
  return { upload, uploadId };
}

/** Only an active, unexpired upload takes parts. */
function requireActive(upload: UploadRecord, now: Date): void {
  if (upload.status === 'completed') throw new AppError('conflict', 'The upload is already completed.');
  if (upload.status === 'aborted') throw new AppError('gone', 'The upload was aborted.');
  if (upload.expiresAt.getTime() <= now.getTime()) throw new AppError('gone', 'The upload expired. Start a new one.');
}

/** A storage outage is a 503 the client may retry, not a 500. */
function storageDown(err: unknown): never {
  if (err instanceof StorageError && (err.status >= 500 || err.status === 429)) {
    throw retryLater('unavailable', 'Storage is unavailable. Try again shortly.', 5, err);
  }
  throw err;
}

const partNumberParam = z
  .string()
  .regex(/^[1-9]\d{0,4}$/)
  .transform(Number);

export const s3Multipart = new Hono<AppEnv>()
  // Also matches `/s3/multipart` itself.
  .use('/s3/multipart/*', requireUser())

  .post('/s3/multipart', async (c) => {
    const body = await readJson(c, createMultipartBody);
    const { metadata } = body;
    const started = await startMultipartUpload(uploadDeps(c), currentUser(c).id, {
      filename: body.filename,
      contentType: body.type,
      size: metadata.size,
      sha256: metadata.sha256,
      collectionId: metadata.collectionId,
    }).catch(storageDown);
    return c.json(started, 200);
  })

  .get('/s3/multipart/:uploadId/:partNumber', async (c) => {
    const { upload, uploadId } = await ownedUpload(c, { cached: true });
    const now = new Date();
    requireActive(upload, now);
    const max = maxPartNumber(upload.size);
    const part = partNumberParam.safeParse(c.req.param('partNumber'));
    if (!part.success || part.data > max) {
      throw new AppError(
        'bad_request',
        `Part numbers of this upload run from 1 to ${max} (${upload.size} bytes, parts of at least 5 MiB).`,
        {
          details: { maxPartNumber: max },
        },
      );
    }
    const { storage, config } = c.get('services');
    const expires = Math.max(1, Math.min(PART_URL_TTL, Math.floor((upload.expiresAt.getTime() - now.getTime()) / 1000)));
    const url = await storage.presignUploadPart(config.S3_BUCKET_RAW, upload.key, uploadId, part.data, expires);
    return c.json({ url, expires }, 200);
  })

  .get('/s3/multipart/:uploadId', async (c) => {
    const { upload, uploadId } = await ownedUpload(c);
    const now = new Date();
    requireActive(upload, now);
    const parts = await storedParts(uploadDeps(c, now), upload, uploadId).catch((err: unknown) => {
      forgetUpload(currentUser(c).id, uploadId, upload.key);
      return storageDown(err);
    });
    return c.json(
      parts.sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ PartNumber: p.partNumber, Size: p.size ?? 0, ETag: p.etag })),
      200,
    );
  })

  .post('/s3/multipart/:uploadId/complete', async (c) => {
    const { upload, uploadId } = await ownedUpload(c);
    const body = await readJson(c, completeMultipartBody, { maxBytes: BODY_LIMITS.parts });
    const now = new Date();
    // A retried complete whose first answer was lost: the same answer again.
    if (upload.status !== 'completed') {
      requireActive(upload, now);
      // Whatever the outcome, the upload may no longer be active: sign no more parts from memory.
      forgetUpload(currentUser(c).id, uploadId, upload.key);
      await completeMultipart(uploadDeps(c, now), upload, uploadId, body.parts).catch(storageDown);
    }
    const location = new URL(`/m/${upload.assetId}/original`, c.req.url).toString();
    return c.json({ location, key: upload.key, assetId: upload.assetId }, 200);
  })

  .delete('/s3/multipart/:uploadId', async (c) => {
    const { upload, uploadId } = await ownedUpload(c);
    if (upload.status === 'completed') throw new AppError('conflict', 'The upload is already completed.');
    if (upload.status === 'active') {
      forgetUpload(currentUser(c).id, uploadId, upload.key);
      const { storage, config, db } = c.get('services');
      await storage.abortMultipartUpload(config.S3_BUCKET_RAW, upload.key, uploadId).catch(storageDown);
      await markAborted(db(), upload, 'upload aborted', new Date(), { discard: true });
    }
    return c.body(null, 204);
  });
