/**
 * The edge's S3 client on aws4fetch (SigV4 over fetch), which runs in workerd
 * at a fraction of the AWS SDK's bundle size, pointed at AWS or any
 * S3-compatible endpoint by configuration: streamed GET/HEAD for delivery,
 * presigned PUTs and parts for uploads, and the multipart calls of the
 * Companion-style upload API. The origin (Lambdas, CLIs) uses the AWS SDK
 * instead (origin/core/storage.ts). Bodies are streamed both ways; nothing
 * here reads a whole object into memory.
 */
import { AwsClient } from 'aws4fetch';
import { elements, escapeXml, text } from './xml.ts';

export interface S3ClientOptions {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** `endpoint/bucket/key` rather than `bucket.endpoint/key`. */
  forcePathStyle?: boolean;
  /** Retries of replayable requests on 5xx/429 (aws4fetch's default of 10 is far too many). */
  retries?: number;
}

export interface ObjectInfo {
  size: number;
  etag: string;
  /** `x-amz-version-id`, when the bucket is versioned (absent locally: s3rver keeps no versions). */
  versionId: string | undefined;
  lastModified: Date | undefined;
  contentType: string | undefined;
  metadata: Record<string, string>;
}

export interface GetOptions {
  range?: string;
  ifNoneMatch?: string;
  ifMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
  ifRange?: string;
  signal?: AbortSignal;
}

export interface PutOptions {
  contentType?: string;
  contentLength?: number;
  /** Base64 SHA-256 the server must verify (`x-amz-checksum-sha256`). */
  checksumSha256?: string;
  metadata?: Record<string, string>;
  /** Create only: `If-None-Match: *`, so S3 answers 412 PreconditionFailed when the key exists. */
  createOnly?: boolean;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size?: number;
}

/** A failed S3 call. `code` is S3's own error code (`NoSuchKey`, `SignatureDoesNotMatch`). */
export class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** Statuses a conditional or ranged GET answers with that are not failures. */
const GET_PASSTHROUGH = new Set([200, 206, 304, 412, 416]);

export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

export class S3Client {
  private readonly aws: AwsClient;
  /** For bodies that cannot be replayed (streams): never retried. */
  private readonly awsOnce: AwsClient;
  private readonly endpoint: URL;
  private readonly pathStyle: boolean;

  constructor(opts: S3ClientOptions) {
    const creds = {
      accessKeyId: opts.accessKeyId,
      secretAccessKey: opts.secretAccessKey,
      ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}),
      service: 's3',
      region: opts.region,
    };
    this.aws = new AwsClient({ ...creds, retries: opts.retries ?? 2, initRetryMs: 50 });
    this.awsOnce = new AwsClient({ ...creds, retries: 0 });
    this.endpoint = new URL(opts.endpoint);
    this.pathStyle = opts.forcePathStyle ?? true;
  }

  /** The URL of a bucket or an object in it. */
  url(bucket: string, key?: string, query?: Record<string, string>): URL {
    const base = new URL(this.endpoint);
    const path = key === undefined ? '' : `/${encodeKey(key)}`;
    if (this.pathStyle) {
      base.pathname = `${base.pathname.replace(/\/$/, '')}/${bucket}${path}`;
    } else {
      base.hostname = `${bucket}.${base.hostname}`;
      base.pathname = path || '/';
    }
    for (const [k, v] of Object.entries(query ?? {})) base.searchParams.set(k, v);
    return base;
  }

  /**
   * GET an object, streaming. Returns null when it does not exist; passes 206,
   * 304, 412 and 416 through so a caller can answer conditional and ranged
   * requests from S3's own decision.
   */
  async get(bucket: string, key: string, opts: GetOptions = {}): Promise<Response | null> {
    const headers = new Headers();
    if (opts.range) headers.set('range', opts.range);
    if (opts.ifNoneMatch) headers.set('if-none-match', opts.ifNoneMatch);
    if (opts.ifMatch) headers.set('if-match', opts.ifMatch);
    if (opts.ifModifiedSince) headers.set('if-modified-since', opts.ifModifiedSince);
    if (opts.ifUnmodifiedSince) headers.set('if-unmodified-since', opts.ifUnmodifiedSince);
    if (opts.ifRange) headers.set('if-range', opts.ifRange);
    const res = await this.aws.fetch(this.url(bucket, key), {
      method: 'GET',
      headers,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!GET_PASSTHROUGH.has(res.status)) throw await toError(res, `GET ${bucket}/${key}`);
    return res;
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | null> {
    const res = await this.aws.fetch(this.url(bucket, key), { method: 'HEAD' });
    if (res.status === 404) return null;
    if (!res.ok) throw await toError(res, `HEAD ${bucket}/${key}`);
    return objectInfo(res.headers);
  }

  /** Resolves when the bucket exists and these credentials reach it (a zero-key listing); throws a StorageError otherwise. */
  async headBucket(bucket: string, signal?: AbortSignal): Promise<void> {
    const res = await this.aws.fetch(this.url(bucket, undefined, { 'max-keys': '0', 'list-type': '2' }), {
      method: 'GET',
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) throw await toError(res, `bucket ${bucket}`);
    await res.body?.cancel();
  }

  /** PUT an object. A stream body needs `contentLength`; it is sent once, never retried. */
  async put(bucket: string, key: string, body: BodyInit | ReadableStream<Uint8Array>, opts: PutOptions = {}): Promise<{ etag: string }> {
    const headers = new Headers();
    if (opts.contentType) headers.set('content-type', opts.contentType);
    if (opts.contentLength !== undefined) headers.set('content-length', String(opts.contentLength));
    if (opts.checksumSha256) headers.set('x-amz-checksum-sha256', opts.checksumSha256);
    for (const [k, v] of Object.entries(opts.metadata ?? {})) headers.set(`x-amz-meta-${k}`, v);
    if (opts.createOnly) headers.set('if-none-match', '*');
    const streamed = body instanceof ReadableStream;
    const client = streamed ? this.awsOnce : this.aws;
    const res = await client.fetch(this.url(bucket, key), {
      method: 'PUT',
      headers,
      body: body as BodyInit,
      ...(streamed ? { duplex: 'half' } : {}),
    } as RequestInit);
    if (!res.ok) throw await toError(res, `PUT ${bucket}/${key}`);
    await res.body?.cancel();
    return { etag: res.headers.get('etag') ?? '' };
  }

  async delete(bucket: string, key: string): Promise<void> {
    const res = await this.aws.fetch(this.url(bucket, key), { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw await toError(res, `DELETE ${bucket}/${key}`);
    await res.body?.cancel();
  }

  /** A presigned GET URL, valid `expiresIn` seconds. */
  async presignGet(bucket: string, key: string, opts: { expiresIn: number; responseContentDisposition?: string }): Promise<string> {
    const query: Record<string, string> = { 'X-Amz-Expires': String(opts.expiresIn) };
    if (opts.responseContentDisposition) {
      query['response-content-disposition'] = opts.responseContentDisposition;
    }
    const signed = await this.aws.sign(this.url(bucket, key, query), {
      method: 'GET',
      aws: { signQuery: true },
    });
    return signed.url;
  }

  /**
   * A presigned PUT. When `contentType`/`contentLength` are given they are
   * signed too, so the upload must carry exactly those headers and that many
   * bytes; `headers` lists what the client has to send. `checksumSha256`
   * (base64) is signed as `x-amz-checksum-sha256`, which AWS S3 checks against
   * the body (the local s3rver does not). `createOnly` signs `If-None-Match: *`:
   * a client cannot drop it (the signature would no longer match), and S3
   * refuses the PUT with 412 once the key exists, so the URL cannot be replayed
   * over what it stored.
   */
  async presignPut(
    bucket: string,
    key: string,
    opts: { expiresIn: number; contentType?: string; contentLength?: number; checksumSha256?: string; createOnly?: boolean },
  ): Promise<{ url: string; headers: Record<string, string> }> {
    const headers: Record<string, string> = {};
    if (opts.contentType) headers['content-type'] = opts.contentType;
    if (opts.contentLength !== undefined) headers['content-length'] = String(opts.contentLength);
    if (opts.checksumSha256) headers['x-amz-checksum-sha256'] = opts.checksumSha256;
    if (opts.createOnly) headers['if-none-match'] = '*';
    const signed = await this.aws.sign(this.url(bucket, key, { 'X-Amz-Expires': String(opts.expiresIn) }), {
      method: 'PUT',
      headers,
      aws: { signQuery: true, allHeaders: true },
    });
    return { url: signed.url, headers };
  }

  async createMultipartUpload(
    bucket: string,
    key: string,
    opts: { contentType?: string; metadata?: Record<string, string> } = {},
  ): Promise<string> {
    const headers = new Headers();
    if (opts.contentType) headers.set('content-type', opts.contentType);
    for (const [k, v] of Object.entries(opts.metadata ?? {})) headers.set(`x-amz-meta-${k}`, v);
    const xml = await this.xml(this.url(bucket, key, { uploads: '' }), { method: 'POST', headers }, `create multipart ${bucket}/${key}`);
    const uploadId = text(xml, 'UploadId');
    if (!uploadId) throw new StorageError(502, 'MalformedResponse', 'no UploadId in response');
    return uploadId;
  }

  /**
   * A presigned URL for one part of a multipart upload. With `contentLength`
   * the length is signed too: the part must be exactly that many bytes.
   */
  async presignUploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    expiresIn: number,
    contentLength?: number,
  ): Promise<string> {
    const signed = await this.aws.sign(
      this.url(bucket, key, {
        partNumber: String(partNumber),
        uploadId,
        'X-Amz-Expires': String(expiresIn),
      }),
      contentLength === undefined
        ? { method: 'PUT', aws: { signQuery: true } }
        : { method: 'PUT', headers: { 'content-length': String(contentLength) }, aws: { signQuery: true, allHeaders: true } },
    );
    return signed.url;
  }

  /** ListParts: what S3 holds of an unfinished upload (one page of up to 1000 parts). */
  async listParts(bucket: string, key: string, uploadId: string): Promise<UploadedPart[]> {
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    do {
      const query: Record<string, string> = { uploadId };
      if (marker) query['part-number-marker'] = marker;
      const xml = await this.xml(this.url(bucket, key, query), { method: 'GET' }, `list parts ${bucket}/${key}`);
      for (const p of elements(xml, 'Part')) {
        parts.push({
          partNumber: Number(text(p, 'PartNumber')),
          etag: text(p, 'ETag') ?? '',
          size: Number(text(p, 'Size') ?? 0),
        });
      }
      marker = text(xml, 'IsTruncated') === 'true' ? text(xml, 'NextPartNumberMarker') : undefined;
    } while (marker);
    return parts;
  }

  /**
   * CompleteMultipartUpload. With `createOnly` it sends `If-None-Match: *`: S3
   * answers 412 PreconditionFailed when the key already holds an object, and
   * 409 ConditionalRequestConflict when another write to it is in progress
   * (both thrown as StorageError; the upload itself is left open).
   */
  async completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: UploadedPart[],
    opts: { createOnly?: boolean } = {},
  ): Promise<{ location: string; etag: string }> {
    const body =
      '<CompleteMultipartUpload>' +
      [...parts]
        .sort((a, b) => a.partNumber - b.partNumber)
        .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`)
        .join('') +
      '</CompleteMultipartUpload>';
    const xml = await this.xml(
      this.url(bucket, key, { uploadId }),
      { method: 'POST', headers: { 'content-type': 'application/xml', ...(opts.createOnly ? { 'if-none-match': '*' } : {}) }, body },
      `complete multipart ${bucket}/${key}`,
    );
    // S3 can answer 200 with an <Error> body when completion fails late.
    if (elements(xml, 'Error').length > 0 && !text(xml, 'ETag')) {
      throw new StorageError(500, text(xml, 'Code') ?? 'InternalError', text(xml, 'Message') ?? 'complete failed');
    }
    return { location: text(xml, 'Location') ?? '', etag: text(xml, 'ETag') ?? '' };
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    const res = await this.aws.fetch(this.url(bucket, key, { uploadId }), { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw await toError(res, `abort multipart ${bucket}/${key}`);
    await res.body?.cancel();
  }

  private async xml(url: URL, init: RequestInit, what: string): Promise<string> {
    const res = await this.aws.fetch(url, init);
    const body = await res.text();
    if (!res.ok) throw errorFromXml(res.status, body, what);
    return body;
  }
}

export function objectInfo(h: Headers): ObjectInfo {
  const metadata: Record<string, string> = {};
  h.forEach((v, k) => {
    if (k.startsWith('x-amz-meta-')) metadata[k.slice('x-amz-meta-'.length)] = v;
  });
  return {
    size: Number(h.get('content-length') ?? 0),
    etag: h.get('etag') ?? '',
    versionId: h.get('x-amz-version-id') ?? undefined,
    lastModified: date(h.get('last-modified') ?? undefined),
    contentType: h.get('content-type') ?? undefined,
    metadata,
  };
}

function date(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

async function toError(res: Response, what: string): Promise<StorageError> {
  const body = res.body ? await res.text().catch(() => '') : '';
  return errorFromXml(res.status, body, what);
}

function errorFromXml(status: number, body: string, what: string): StorageError {
  const code = text(body, 'Code') ?? (status === 404 ? 'NotFound' : `Http${status}`);
  const message = text(body, 'Message') ?? `${what} failed with ${status}`;
  return new StorageError(status, code, `${what}: ${message}`);
}
