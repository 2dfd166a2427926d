/**
 * Completing a multipart upload. S3's own ListParts is the truth: the parts
 * the client names must be exactly the parts stored (numbers and ETags — the
 * local s3rver does not check part ETags, so the edge does, everywhere), every
 * part but the last at least 5 MiB (S3's rule; s3rver does not enforce it),
 * and together exactly the declared size. A size that differs is final: the
 * S3 upload is aborted and the asset `failed` with the reason, before any
 * object exists, so nothing can be processed or marked ready. A parts list
 * that differs, or a small part, is the client's to fix: the upload stays open.
 *
 * Completion only creates: the edge refuses when the asset has left `pending`
 * (the pipeline saw an object at the key), and sends `If-None-Match: *`, so S3
 * itself refuses (412) to put the upload over an object that exists. Either
 * way the answer is 409 and the stored original is left as it is.
 */
import type { Database } from '../../shared/db/database.ts';
import { bareEtag } from '../../shared/storage/etag.ts';
import { StorageError, type S3Client, type UploadedPart } from '../storage/s3-client.ts';
import { AppError } from '../errors.ts';
import { MIN_PART_BYTES } from './limits.ts';
import { markAborted, markCompleted, type UploadRecord } from './upload-store.ts';

export interface CompleteDeps {
  db: Database;
  storage: S3Client;
  bucket: string;
  now: Date;
}

export interface ClientPart {
  PartNumber: number;
  ETag: string;
}

/** Reason recorded when S3 no longer knows an upload (aborted by the lifecycle rule or the sweeper). */
export const ABANDONED = 'upload abandoned';

const isNoSuchUpload = (err: unknown) => err instanceof StorageError && (err.status === 404 || err.code === 'NoSuchUpload');
const isPreconditionFailed = (err: unknown) => err instanceof StorageError && (err.status === 412 || err.code === 'PreconditionFailed');
const isWriteConflict = (err: unknown) => err instanceof StorageError && (err.status === 409 || err.code === 'ConditionalRequestConflict');

/**
 * The key already holds an original: this upload can never complete. Its
 * parts are dropped (S3 keeps an upload open after a refused complete), the
 * row says `completed` — an object exists, which is what the sweeper also
 * records — and the pipeline decides about the object that is there.
 */
async function refuseReplacement(deps: CompleteDeps, upload: UploadRecord, uploadId: string): Promise<never> {
  await deps.storage.abortMultipartUpload(deps.bucket, upload.key, uploadId).catch(() => {});
  await markCompleted(deps.db, upload, deps.now);
  throw new AppError('conflict', 'An original is already stored for this asset; this upload cannot replace it.', {
    details: { assetId: upload.assetId },
  });
}

/** ListParts, or — when S3 has forgotten the upload — the upload marked abandoned and 404. */
export async function storedParts(deps: CompleteDeps, upload: UploadRecord, uploadId: string): Promise<UploadedPart[]> {
  try {
    return await deps.storage.listParts(deps.bucket, upload.key, uploadId);
  } catch (err) {
    if (!isNoSuchUpload(err)) throw err;
    await markAborted(deps.db, upload, ABANDONED, deps.now);
    throw new AppError('not_found', 'No such upload.');
  }
}

function compareParts(client: ClientPart[], stored: UploadedPart[]): void {
  const byNumber = new Map(stored.map((p) => [p.partNumber, bareEtag(p.etag)]));
  const seen = new Set<number>();
  const unknown: number[] = [];
  const etagMismatch: number[] = [];
  for (const p of client) {
    if (seen.has(p.PartNumber)) throw new AppError('bad_request', `Part ${p.PartNumber} is listed twice.`);
    seen.add(p.PartNumber);
    const etag = byNumber.get(p.PartNumber);
    if (etag === undefined) unknown.push(p.PartNumber);
    else if (etag !== bareEtag(p.ETag)) etagMismatch.push(p.PartNumber);
  }
  const missing = stored.map((p) => p.partNumber).filter((n) => !seen.has(n));
  if (unknown.length || etagMismatch.length || missing.length) {
    throw new AppError(
      'conflict',
      'The parts listed are not the parts stored. List the parts, upload what is missing and complete again.',
      {
        details: { unknown, etagMismatch, missing },
      },
    );
  }
}

/** Verifies and completes; returns when the object exists and the rows say so. */
export async function completeMultipart(deps: CompleteDeps, upload: UploadRecord, uploadId: string, client: ClientPart[]): Promise<void> {
  if (upload.assetStatus !== 'pending') return refuseReplacement(deps, upload, uploadId);
  const stored = (await storedParts(deps, upload, uploadId)).sort((a, b) => a.partNumber - b.partNumber);
  compareParts(client, stored);
  const total = stored.reduce((sum, p) => sum + (p.size ?? 0), 0);
  if (total !== upload.size) {
    const reason = `size mismatch: the parts hold ${total} bytes, ${upload.size} were declared`;
    await deps.storage.abortMultipartUpload(deps.bucket, upload.key, uploadId);
    await markAborted(deps.db, upload, reason, deps.now);
    throw new AppError('bad_request', `Upload failed: ${reason}.`, { details: { assetId: upload.assetId, status: 'failed', reason } });
  }
  const small = stored.slice(0, -1).filter((p) => (p.size ?? 0) < MIN_PART_BYTES);
  if (small.length) {
    throw new AppError('bad_request', `Every part but the last must be at least ${MIN_PART_BYTES} bytes.`, {
      details: { tooSmall: small.map((p) => p.partNumber) },
    });
  }
  try {
    await deps.storage.completeMultipartUpload(deps.bucket, upload.key, uploadId, stored, { createOnly: true });
  } catch (err) {
    if (isPreconditionFailed(err)) return refuseReplacement(deps, upload, uploadId);
    if (isWriteConflict(err))
      throw new AppError('conflict', 'Another write to this original is in progress. Try again shortly.', { cause: err });
    if (!isNoSuchUpload(err)) throw err;
    await markAborted(deps.db, upload, ABANDONED, deps.now);
    throw new AppError('not_found', 'No such upload.');
  }
  await markCompleted(deps.db, upload, deps.now);
}
