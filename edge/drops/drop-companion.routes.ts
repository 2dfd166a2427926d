/**
 * The Companion contract `@uppy/aws-s3` speaks, under an upload link: a
 * stock Uppy with `endpoint: '{edge}/s/{token}'` calls
 *
 *   GET    /s/:token/s3/params?filename=&type=&metadata[size]=&metadata[uploaderName]=
 *   POST   /s/:token/s3/multipart          {filename, type, metadata{size, uploaderName, note?}}
 *   GET    /s/:token/s3/multipart/:uploadId/:part?key=   (the part's length is signed)
 *   GET    /s/:token/s3/multipart/:uploadId?key=
 *   POST   /s/:token/s3/multipart/:uploadId/complete?key=
 *   DELETE /s/:token/s3/multipart/:uploadId?key=
 *
 * Same answers as `/s3/*` (edge/uploads/s3-multipart.routes.ts), authorised
 * by the link (+ its unlock: cookie, `X-Share-Unlock` or `?u=`) instead of
 * a session. Every call opens the link again (./drop-gate.ts): revoked,
 * expired, or a creator who lost manage stops new parts and completion of
 * uploads already under way. An upload id is found only among the uploads
 * of this link (404 otherwise).
 */
import { type Context, Hono } from 'hono';
import { z } from '@hono/zod-openapi';
import { requestMeta } from '../api/request-context.ts';
import { BODY_LIMITS, readJson } from '../api/json-body.ts';
import { parseOrThrow } from '../api/validation.ts';
import type { AppEnv } from '../env.ts';
import { AppError, retryLater } from '../errors.ts';
import { noStore } from '../middleware/no-store.ts';
import { checkRateLimit, DROP_LINK_LIMIT } from '../middleware/rate-limit.ts';
import { StorageError } from '../storage/s3-client.ts';
import { completeMultipart, storedParts } from '../uploads/complete-multipart.ts';
import { PART_URL_TTL } from '../uploads/limits.ts';
import { completeMultipartBody, contentType, filename, uploadIdParam } from '../uploads/schemas.ts';
import { uploadDeps } from '../uploads/upload-deps.ts';
import { markAborted, type UploadRecord } from '../uploads/upload-store.ts';
import type { ShareLinkRecord } from '../access/share-link.ts';
import { openDrop } from './drop-gate.ts';
import { dropPartLength } from './drop-parts.ts';
import { findDropUpload, releaseDrop } from './drop-store.ts';
import { startDropUpload } from './drop-upload.service.ts';
import { dropMetadata, dropMultipartBody } from './schemas.ts';

const noSuchUpload = () => new AppError('not_found', 'No such upload.');

function storageDown(err: unknown): never {
  if (err instanceof StorageError && (err.status >= 500 || err.status === 429)) {
    throw retryLater('unavailable', 'Storage is unavailable. Try again shortly.', 5, err);
  }
  throw err;
}

function requireActive(upload: UploadRecord, now: Date): void {
  if (upload.status === 'completed') throw new AppError('conflict', 'The upload is already completed.');
  if (upload.status === 'aborted') throw new AppError('gone', 'The upload was aborted.');
  if (upload.expiresAt.getTime() <= now.getTime()) throw new AppError('gone', 'The upload expired. Start a new one.');
}

/** The live link, then this link's upload named by `:uploadId` and `?key=`, or 404. */
async function dropUpload(c: Context<AppEnv>, now: Date): Promise<{ link: ShareLinkRecord; upload: UploadRecord; uploadId: string }> {
  const link = await openDrop(c, c.req.param('token') ?? '', now);
  const uploadId = c.req.param('uploadId') ?? '';
  const key = c.req.query('key') ?? '';
  if (!uploadIdParam.safeParse(uploadId).success || key.length === 0 || key.length > 1024) throw noSuchUpload();
  const upload = await findDropUpload(c.get('services').db(), link.id, uploadId, key);
  if (!upload) throw noSuchUpload();
  return { link, upload, uploadId };
}

/** A file start: the link, its per-link limit (all holders together), then the start. */
async function openForStart(c: Context<AppEnv>, now: Date): Promise<ShareLinkRecord> {
  const link = await openDrop(c, c.req.param('token') ?? '', now);
  await checkRateLimit(c, DROP_LINK_LIMIT, `link:${link.id}`);
  return link;
}

const paramsQuery = z.looseObject({ filename, type: contentType, metadata: dropMetadata });
const partNumberParam = z
  .string()
  .regex(/^[1-9]\d{0,4}$/)
  .transform(Number);

export const dropCompanion = new Hono<AppEnv>()
  .use('/s/:token/s3/*', noStore())

  .get('/s/:token/s3/params', async (c) => {
    const now = new Date();
    const link = await openForStart(c, now);
    const query = c.req.query();
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(query)) {
      const m = /^metadata\[([^\]]+)\]$/.exec(k);
      if (m) metadata[m[1]!] = v;
    }
    const d = parseOrThrow(paramsQuery, { ...query, metadata }, 'The upload parameters are invalid.');
    const m = d.metadata;
    const started = await startDropUpload(uploadDeps(c, now), requestMeta(c), link, 'post', {
      filename: d.filename,
      contentType: d.type,
      size: m.size,
      sha256: m.sha256,
      uploaderName: m.uploaderName,
      note: m.note,
    });
    return c.json(started, 200);
  })

  .post('/s/:token/s3/multipart', async (c) => {
    const now = new Date();
    const link = await openForStart(c, now);
    const body = await readJson(c, dropMultipartBody);
    const m = body.metadata;
    const started = await startDropUpload(uploadDeps(c, now), requestMeta(c), link, 'multipart', {
      filename: body.filename,
      contentType: body.type,
      size: m.size,
      sha256: m.sha256,
      uploaderName: m.uploaderName,
      note: m.note,
    }).catch(storageDown);
    return c.json(started, 200);
  })

  .get('/s/:token/s3/multipart/:uploadId/:partNumber', async (c) => {
    const now = new Date();
    const { upload, uploadId } = await dropUpload(c, now);
    requireActive(upload, now);
    const part = partNumberParam.safeParse(c.req.param('partNumber'));
    const length = part.success && upload.partSize ? dropPartLength(upload.size, upload.partSize, part.data) : null;
    if (!part.success || length === null) {
      const max = upload.partSize ? Math.ceil(upload.size / upload.partSize) : 1;
      throw new AppError('bad_request', `Part numbers of this upload run from 1 to ${max} (parts of ${upload.partSize} bytes).`, {
        details: { maxPartNumber: max, partSize: upload.partSize },
      });
    }
    const { storage, config } = c.get('services');
    const expires = Math.max(1, Math.min(PART_URL_TTL, Math.floor((upload.expiresAt.getTime() - now.getTime()) / 1000)));
    const url = await storage.presignUploadPart(config.S3_BUCKET_RAW, upload.key, uploadId, part.data, expires, length);
    return c.json({ url, expires }, 200);
  })

  .get('/s/:token/s3/multipart/:uploadId', async (c) => {
    const now = new Date();
    const { upload, uploadId } = await dropUpload(c, now);
    requireActive(upload, now);
    const parts = await storedParts(uploadDeps(c, now), upload, uploadId).catch(storageDown);
    return c.json(
      parts.sort((a, b) => a.partNumber - b.partNumber).map((p) => ({ PartNumber: p.partNumber, Size: p.size ?? 0, ETag: p.etag })),
      200,
    );
  })

  .post('/s/:token/s3/multipart/:uploadId/complete', async (c) => {
    const now = new Date();
    const { upload, uploadId } = await dropUpload(c, now);
    const body = await readJson(c, completeMultipartBody, { maxBytes: BODY_LIMITS.parts });
    if (upload.status !== 'completed') {
      requireActive(upload, now);
      await completeMultipart(uploadDeps(c, now), upload, uploadId, body.parts).catch(storageDown);
    }
    // The holder learns the asset id (their own file) and nothing they could open: a drop link gives no right to it.
    return c.json({ location: null, key: upload.key, assetId: upload.assetId }, 200);
  })

  .delete('/s/:token/s3/multipart/:uploadId', async (c) => {
    const now = new Date();
    const { link, upload, uploadId } = await dropUpload(c, now);
    if (upload.status === 'completed') throw new AppError('conflict', 'The upload is already completed.');
    if (upload.status === 'active') {
      const { storage, config, db } = c.get('services');
      await storage.abortMultipartUpload(config.S3_BUCKET_RAW, upload.key, uploadId).catch(storageDown);
      // Cancelled before any object existed: the file's reservation goes back to the link.
      if (await markAborted(db(), upload, 'upload aborted', now, { discard: true })) await releaseDrop(db(), link.id, upload.size);
    }
    return c.body(null, 204);
  });
