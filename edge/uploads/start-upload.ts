/**
 * Starting an upload: check the declared collection, create the pending asset
 * and its upload row, and hand out what the client needs to send the bytes
 * straight to S3 — a presigned PUT, a POST policy (what Uppy's single-request
 * path posts), or a multipart upload id. The key comes from the new asset id,
 * never from the file name.
 */
import type { EdgeConfig } from '../../shared/config.ts';
import type { Database } from '../../shared/db/database.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { presignPost } from '../../shared/storage/post-policy.ts';
import type { S3Client } from '../storage/s3-client.ts';
import { AppError } from '../errors.ts';
import {
  MAX_UPLOAD_BYTES,
  maxPartNumber,
  MIN_PART_BYTES,
  MULTIPART_TTL_MS,
  MULTIPART_THRESHOLD,
  recommendedPartSize,
  sha256HexToBase64,
  SIMPLE_URL_TTL,
} from './limits.ts';
import { createPendingUpload, ownsCollection, type DropStamp } from './upload-store.ts';

export interface Declared {
  filename: string;
  size: number;
  contentType: string;
  sha256?: string | undefined;
  collectionId?: string | undefined;
  /**
   * Through an upload link (edge/drops/): the drop gate has checked that the
   * link's creator (`userId`) may still manage `collectionId`, so the owner
   * check is not asked again.
   */
  drop?: DropStamp | undefined;
}

/** What starting an upload needs: the database, storage, the raw bucket and its credentials (POST policies), the clock. */
export interface UploadDeps {
  db: Database;
  storage: S3Client;
  config: Pick<EdgeConfig, 'S3_BUCKET_RAW' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'>;
  now: Date;
}

/** 404 for a collection that is not the caller's (or does not exist): its existence is not revealed. */
export async function checkCollection(db: Database, userId: string, collectionId: string | undefined, drop?: DropStamp): Promise<void> {
  if (collectionId && !drop && !(await ownsCollection(db, userId, collectionId))) {
    throw new AppError('not_found', 'No such collection.');
  }
}

function refuseLarge(size: number): void {
  if (size > MULTIPART_THRESHOLD) {
    throw new AppError('payload_too_large', `Files over ${MULTIPART_THRESHOLD} bytes must be uploaded in parts: POST /s3/multipart.`, {
      details: { useMultipart: true, endpoint: '/s3/multipart', thresholdBytes: MULTIPART_THRESHOLD, maxBytes: MAX_UPLOAD_BYTES },
    });
  }
}

async function createSimple(deps: UploadDeps, userId: string, d: Declared, expiresAt: Date) {
  refuseLarge(d.size);
  await checkCollection(deps.db, userId, d.collectionId, d.drop);
  const assetId = crypto.randomUUID();
  const key = originalKey(assetId);
  await createPendingUpload(deps.db, { ...d, assetId, userId, key, s3UploadId: null, partSize: null, expiresAt });
  return { assetId, key };
}

/**
 * A presigned PUT bound to the key, the length, the type, (when declared) the
 * SHA-256, and `If-None-Match: *`: it can create the original once, and S3
 * answers 412 to the same URL used again, so it cannot replace what it stored.
 */
export async function startPutUpload(deps: UploadDeps, userId: string, d: Declared) {
  const { config, storage } = deps;
  const expiresAt = new Date(deps.now.getTime() + SIMPLE_URL_TTL * 1000);
  const { assetId, key } = await createSimple(deps, userId, d, expiresAt);
  const signed = await storage.presignPut(config.S3_BUCKET_RAW, key, {
    expiresIn: SIMPLE_URL_TTL,
    contentType: d.contentType,
    contentLength: d.size,
    ...(d.sha256 ? { checksumSha256: sha256HexToBase64(d.sha256) } : {}),
    createOnly: true,
  });
  return { assetId, method: 'PUT' as const, url: signed.url, headers: signed.headers, expiresAt: expiresAt.toISOString() };
}

/**
 * An S3 POST policy for the same: Uppy 6's single-request upload is a form
 * POST. S3 has no create-only condition for POST, so a policy can be posted
 * again until it expires; the pipeline blocks an asset whose original changed
 * after ingest and the edge never serves such bytes (docs/architecture.md,
 * "Uploads").
 */
export async function startPostUpload(deps: UploadDeps, userId: string, d: Declared) {
  const { config, storage, now } = deps;
  const { assetId, key } = await createSimple(deps, userId, d, new Date(now.getTime() + SIMPLE_URL_TTL * 1000));
  const post = await presignPost({
    url: storage.url(config.S3_BUCKET_RAW).toString(),
    bucket: config.S3_BUCKET_RAW,
    key,
    region: config.S3_REGION,
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
    contentType: d.contentType,
    contentLength: d.size,
    expiresIn: SIMPLE_URL_TTL,
    now,
  });
  return {
    assetId,
    key,
    method: 'POST' as const,
    url: post.url,
    fields: post.fields,
    headers: {},
    expiresAt: post.expiresAt.toISOString(),
  };
}

/**
 * A multipart upload: created in S3 first (its id goes in the row), then the
 * rows; if the rows cannot be written the S3 upload is aborted again, so no
 * error leaves anything behind.
 */
export async function startMultipartUpload(deps: UploadDeps, userId: string, d: Declared) {
  const { config, storage, db } = deps;
  await checkCollection(db, userId, d.collectionId, d.drop);
  const assetId = crypto.randomUUID();
  const key = originalKey(assetId);
  // Through a link every part's length is signed (edge/drops/drop-parts.ts), so the split is fixed: S3's minimum, a stock Uppy's own.
  const partSize = d.drop ? MIN_PART_BYTES : recommendedPartSize(d.size);
  const expiresAt = new Date(deps.now.getTime() + MULTIPART_TTL_MS);
  const uploadId = await storage.createMultipartUpload(config.S3_BUCKET_RAW, key, { contentType: d.contentType });
  try {
    await createPendingUpload(db, { ...d, assetId, userId, key, s3UploadId: uploadId, partSize, expiresAt });
  } catch (err) {
    await storage.abortMultipartUpload(config.S3_BUCKET_RAW, key, uploadId).catch(() => {});
    throw err;
  }
  return { key, uploadId, assetId, partSize, maxPartNumber: maxPartNumber(d.size), expiresAt: expiresAt.toISOString() };
}
