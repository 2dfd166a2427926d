/**
 * The origin's storage: the AWS SDK's S3Client (what the design names for the
 * Lambdas, the CLIs and the migration tool), behind the handful of calls the
 * pipeline makes. The edge keeps its own SigV4-over-fetch client
 * (edge/storage/s3-client.ts): the SDK does not run in workerd as cheaply.
 *
 * Bodies stream both ways as Node streams; nothing here reads a whole object
 * into memory. A missing object is `null`, never an exception; every other
 * failure is the SDK's own `S3ServiceException`, whose `name` is S3's error
 * code (`PreconditionFailed`, `AccessDenied`): switch on it with
 * {@link isS3Error}, never on the message.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import { createS3Client, type StorageSettings } from './s3-client.ts';

export { createS3Client, type StorageSettings, storageSettings } from './s3-client.ts';

export interface StoredObject {
  body: Readable;
  /** 200, or 206 for a range. */
  status: number;
  /** Bytes in `body`. */
  size: number;
  etag: string;
  /** Absent when the bucket keeps no versions. */
  versionId: string | undefined;
  contentType: string | undefined;
  /** User metadata (`x-amz-meta-*`), names lower-cased. */
  metadata: Record<string, string>;
}

export interface ObjectInfo {
  size: number;
  etag: string;
  versionId: string | undefined;
  lastModified: Date | undefined;
  contentType: string | undefined;
  metadata: Record<string, string>;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date | undefined;
}

/** One entry of ListObjectVersions: an object version or a delete marker. */
export interface ListedVersion {
  key: string;
  /** `null` (the string) for an object written while versioning was off. */
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size: number;
}

export interface PutOptions {
  contentType?: string;
  /** Required for a stream body (S3 takes no chunked uploads without it). */
  contentLength?: number;
  /** Base64 SHA-256 that S3 verifies against the body before storing it. */
  checksumSha256?: string;
  metadata?: Record<string, string>;
  /** Create only (`If-None-Match: *`): S3 answers PreconditionFailed when the key exists. */
  createOnly?: boolean;
  signal?: AbortSignal;
}

export interface UploadOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /** Bytes per part, at least 5 MiB. Memory held: partSize x queueSize. */
  partSize?: number;
  /** Parts in flight. */
  queueSize?: number;
  signal?: AbortSignal;
}

/** An S3 error with this code (S3's own: `NoSuchKey`, `PreconditionFailed`, `SignatureDoesNotMatch`). */
export function isS3Error(err: unknown, code?: string): err is S3ServiceException {
  return err instanceof S3ServiceException && (code === undefined || err.name === code);
}

const notFound = (err: unknown) => err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404;

/** S3's batch delete takes at most this many keys. */
const DELETE_BATCH = 1000;

export class OriginStorage {
  constructor(readonly client: S3Client) {}

  /** Streams an object (or the `range` of it, `bytes=a-b`); null when it does not exist. */
  async get(bucket: string, key: string, opts: { range?: string; signal?: AbortSignal } = {}): Promise<StoredObject | null> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ...(opts.range ? { Range: opts.range } : {}) }),
        opts.signal ? { abortSignal: opts.signal } : {},
      );
      return {
        body: res.Body as Readable,
        status: res.$metadata.httpStatusCode ?? 200,
        size: res.ContentLength ?? 0,
        etag: res.ETag ?? '',
        versionId: res.VersionId,
        contentType: res.ContentType,
        metadata: res.Metadata ?? {},
      };
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  /** A small object read whole, as text (playlists); null when it does not exist. */
  async getText(bucket: string, key: string): Promise<string | null> {
    const res = await this.get(bucket, key);
    if (!res) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | null> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        size: res.ContentLength ?? 0,
        etag: res.ETag ?? '',
        versionId: res.VersionId,
        lastModified: res.LastModified,
        contentType: res.ContentType,
        metadata: res.Metadata ?? {},
      };
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  /**
   * Resolves when the bucket exists and these credentials reach it. A listing
   * of zero keys rather than HeadBucket (same permission): a HEAD answer has
   * no body, so S3's own error code (`InvalidAccessKeyId`,
   * `SignatureDoesNotMatch`, `NoSuchBucket`) would be lost.
   */
  async headBucket(bucket: string, signal?: AbortSignal): Promise<void> {
    await this.client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }), signal ? { abortSignal: signal } : {});
  }

  /** One PUT, up to 5 GiB. A stream body is sent once, never retried; use {@link upload} for big or unsized streams. */
  async put(bucket: string, key: string, body: Uint8Array | string | Readable, opts: PutOptions = {}): Promise<{ etag: string }> {
    const res = await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ...(opts.contentType ? { ContentType: opts.contentType } : {}),
        ...(opts.contentLength !== undefined ? { ContentLength: opts.contentLength } : {}),
        ...(opts.checksumSha256 ? { ChecksumSHA256: opts.checksumSha256 } : {}),
        ...(opts.metadata ? { Metadata: opts.metadata } : {}),
        ...(opts.createOnly ? { IfNoneMatch: '*' } : {}),
      }),
      opts.signal ? { abortSignal: opts.signal } : {},
    );
    return { etag: res.ETag ?? '' };
  }

  /**
   * A multipart upload of a stream of any length (lib-storage's Upload): parts
   * in parallel, a single PUT when the body fits in one part, and the upload
   * aborted (no orphaned parts) when anything fails.
   */
  async upload(bucket: string, key: string, body: Readable | Uint8Array, opts: UploadOptions = {}): Promise<{ etag: string }> {
    const abortController = new AbortController();
    const onAbort = () => abortController.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await new Upload({
        client: this.client,
        params: {
          Bucket: bucket,
          Key: key,
          Body: body,
          ...(opts.contentType ? { ContentType: opts.contentType } : {}),
          ...(opts.metadata ? { Metadata: opts.metadata } : {}),
        },
        ...(opts.partSize ? { partSize: opts.partSize } : {}),
        queueSize: opts.queueSize ?? 4,
        leavePartsOnError: false,
        abortController,
      }).done();
      return { etag: res.ETag ?? '' };
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Server-side copy (CopyObject); the bytes never pass through this process. */
  async copy(
    from: { bucket: string; key: string },
    to: { bucket: string; key: string },
    opts: { contentType?: string } = {},
  ): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: to.bucket,
        Key: to.key,
        CopySource: `${from.bucket}/${encodeURIComponent(from.key).replace(/%2F/g, '/')}`,
        ...(opts.contentType ? { ContentType: opts.contentType, MetadataDirective: 'REPLACE' } : {}),
      }),
    );
  }

  /** Every object under `prefix`, page by page (ListObjectsV2). */
  async *list(bucket: string, prefix?: string, opts: { pageSize?: number; signal?: AbortSignal } = {}): AsyncGenerator<ListedObject> {
    const pages = paginateListObjectsV2(
      { client: this.client, ...(opts.pageSize ? { pageSize: opts.pageSize } : {}), ...(opts.signal ? { abortSignal: opts.signal } : {}) },
      { Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}) },
    );
    for await (const page of pages) {
      for (const o of page.Contents ?? []) {
        yield { key: o.Key ?? '', size: o.Size ?? 0, etag: o.ETag ?? '', lastModified: o.LastModified };
      }
    }
  }

  /**
   * Every version and delete marker under `prefix` (ListObjectVersions, which
   * pages on two markers: the SDK has no paginator for it).
   */
  async *listVersions(bucket: string, prefix?: string, opts: { pageSize?: number } = {}): AsyncGenerator<ListedVersion> {
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (;;) {
      const page = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(opts.pageSize ? { MaxKeys: opts.pageSize } : {}),
          ...marker,
        }),
      );
      for (const v of page.Versions ?? []) {
        yield { key: v.Key ?? '', versionId: v.VersionId ?? 'null', isLatest: v.IsLatest ?? false, deleteMarker: false, size: v.Size ?? 0 };
      }
      for (const d of page.DeleteMarkers ?? []) {
        yield { key: d.Key ?? '', versionId: d.VersionId ?? 'null', isLatest: d.IsLatest ?? false, deleteMarker: true, size: 0 };
      }
      if (!page.IsTruncated || !page.NextKeyMarker) return;
      marker = { KeyMarker: page.NextKeyMarker, ...(page.NextVersionIdMarker ? { VersionIdMarker: page.NextVersionIdMarker } : {}) };
    }
  }

  /**
   * Deletes objects (or, with `versionId`, versions and delete markers for
   * good) in batches of 1000; a missing one is not an error. Throws on the
   * first batch S3 could not delete whole, naming the keys and codes.
   */
  async deleteObjects(bucket: string, objects: { key: string; versionId?: string }[]): Promise<void> {
    for (let i = 0; i < objects.length; i += DELETE_BATCH) {
      const batch = objects.slice(i, i + DELETE_BATCH);
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Quiet: true, Objects: batch.map((o) => ({ Key: o.key, ...(o.versionId ? { VersionId: o.versionId } : {}) })) },
        }),
      );
      const errors = res.Errors ?? [];
      if (errors.length > 0) {
        const sample = errors
          .slice(0, 3)
          .map((e) => `${e.Key}: ${e.Code}`)
          .join(', ');
        throw new Error(`DeleteObjects in ${bucket}: ${errors.length} of ${batch.length} not deleted (${sample})`);
      }
    }
  }

  /** Deletes one object; a missing one is not an error. */
  async delete(bucket: string, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  /** Abandons a multipart upload and frees its parts; one that is already gone is not an error. */
  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch (err) {
      if (!notFound(err)) throw err;
    }
  }
}

/** An OriginStorage on a new S3Client with these settings. */
export const openStorage = (settings: StorageSettings): OriginStorage => new OriginStorage(createS3Client(settings));
