/**
 * Copies every object of one S3-compatible bucket into another (local storage
 * to AWS, or any pair), streaming, resumable and verified.
 *
 * Checksums: each destination object carries `x-amz-meta-sha256`, the SHA-256
 * of the source bytes. S3 sends metadata before the body, so the hash must be
 * known before the upload: it is taken from the source's own `sha256` metadata
 * when present, otherwise computed by one streaming read of the source (cheap
 * for a local source, and it spares re-reading the AWS side — paid egress —
 * on every re-run). The copy hashes the bytes again as they pass and holds the
 * last chunk back until they match, so a destination never receives a
 * complete body that differs from its `sha256`. After the upload the
 * destination is streamed back and hashed; an object that fails is deleted so
 * a re-run cannot take it for done. ETags are not compared: multipart ETags
 * are not content hashes.
 *
 * Resume: an object is skipped when the destination has the same size and the
 * same `sha256` metadata as the source's checksum.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { ListedObject, OriginStorage } from '../origin/core/storage.ts';

const MiB = 1024 * 1024;
/** S3's minimum size of every part but the last. */
const MIN_PART_SIZE = 5 * MiB;
const MAX_PARTS = 10_000;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface BucketRef {
  client: OriginStorage;
  bucket: string;
}

export interface MigrateOptions {
  from: BucketRef;
  to: BucketRef;
  prefix?: string;
  /** Objects copied at once (default 4). */
  concurrency?: number;
  /** Compare and report, write nothing. */
  dryRun?: boolean;
  /** Objects larger than this go multipart (default 64 MiB; a single PUT cannot exceed 5 GiB). */
  multipartThreshold?: number;
  /**
   * Part size of multipart uploads (default 16 MiB, at least 5 MiB; grown to
   * stay within 10,000 parts). lib-storage holds two parts per object in
   * memory, so memory is about concurrency x 2 x partSize.
   */
  partSize?: number;
  /** Stops taking new objects and cancels the ones in flight; nothing half-done is left claimed. */
  signal?: AbortSignal;
  onProgress?: (progress: MigrateProgress) => void;
}

/** Counts of objects, and `bytes` streamed into the destination so far. */
export interface MigrateProgress {
  total: number;
  totalBytes: number;
  done: number;
  copied: number;
  skipped: number;
  failed: number;
  bytes: number;
  elapsedMs: number;
}

export interface MigrateResult {
  total: number;
  /** Keys copied and verified (in a dry run: keys that would be copied). */
  copied: string[];
  skipped: string[];
  failed: { key: string; reason: string }[];
  bytes: number;
  elapsedMs: number;
  /** The signal fired before every object was handled. */
  interrupted: boolean;
}

export type MigrateErrorCode = 'SOURCE_UNAVAILABLE' | 'DESTINATION_UNAVAILABLE' | 'INVALID_OPTIONS';

/** A failure that stops the whole run before any object is written. */
export class MigrateError extends Error {
  override readonly name = 'MigrateError';
  constructor(
    readonly code: MigrateErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Copies every object under `prefix` from `from` to `to`. Per-object failures
 * are collected in the result; unreachable buckets or bad credentials throw a
 * {@link MigrateError} before anything is written.
 */
export async function migrateStorage(opts: MigrateOptions): Promise<MigrateResult> {
  const { from, to, signal, concurrency = 4 } = opts;
  const ctx: CopyContext = {
    ...opts,
    threshold: opts.multipartThreshold ?? 64 * MiB,
    partSize: opts.partSize ?? 16 * MiB,
    onBytes: (n) => {
      result.bytes += n;
      report();
    },
  };
  const invalid = (message: string) => new MigrateError('INVALID_OPTIONS', message);
  if (!(concurrency >= 1)) throw invalid('concurrency must be at least 1');
  if (ctx.partSize < MIN_PART_SIZE) throw invalid(`partSize must be at least ${MIN_PART_SIZE} bytes`);
  if (ctx.threshold > 5 * 1024 * MiB) throw invalid('multipartThreshold must be at most 5 GiB');

  const sides = [
    [from, 'SOURCE_UNAVAILABLE', 'source'],
    [to, 'DESTINATION_UNAVAILABLE', 'destination'],
  ] as const;
  for (const [ref, code, side] of sides) {
    await ref.client.headBucket(ref.bucket, signal).catch((err: unknown) => {
      throw new MigrateError(code, `cannot use ${side} bucket "${ref.bucket}": ${errorMessage(err)}`, { cause: err });
    });
  }

  const started = Date.now();
  const objects: ListedObject[] = [];
  for await (const o of from.client.list(from.bucket, opts.prefix, signal ? { signal } : {})) objects.push(o);
  const totalBytes = objects.reduce((n, o) => n + o.size, 0);
  const result: MigrateResult = {
    total: objects.length,
    copied: [],
    skipped: [],
    failed: [],
    bytes: 0,
    elapsedMs: 0,
    interrupted: false,
  };
  const done = () => result.copied.length + result.skipped.length + result.failed.length;
  const report = () => {
    result.elapsedMs = Date.now() - started;
    opts.onProgress?.({
      total: result.total,
      totalBytes,
      done: done(),
      copied: result.copied.length,
      skipped: result.skipped.length,
      failed: result.failed.length,
      bytes: result.bytes,
      elapsedMs: result.elapsedMs,
    });
  };

  let next = 0;
  const worker = async () => {
    while (next < objects.length && !signal?.aborted) {
      const { key } = objects[next++] as ListedObject;
      try {
        const outcome = await copyObject(key, ctx);
        (outcome === 'skipped' ? result.skipped : result.copied).push(key);
      } catch (err) {
        // A cancelled copy is neither done nor failed: the next run picks it up.
        if (!signal?.aborted) result.failed.push({ key, reason: errorMessage(err) });
      }
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, objects.length) }, worker));
  result.interrupted = done() < objects.length;
  report();
  return result;
}

interface CopyContext extends MigrateOptions {
  threshold: number;
  partSize: number;
  onBytes: (n: number) => void;
}

async function copyObject(key: string, ctx: CopyContext): Promise<'copied' | 'skipped'> {
  const { from, to, signal } = ctx;
  const source = await from.client.head(from.bucket, key);
  if (!source) throw new Error('source object disappeared after listing');
  const sourceSha = source.metadata.sha256?.toLowerCase();
  const expected = sourceSha && SHA256_HEX.test(sourceSha) ? sourceSha : await sha256Of(from, key, signal);

  const existing = await to.client.head(to.bucket, key);
  if (existing && existing.size === source.size && existing.metadata.sha256 === expected) return 'skipped';
  if (ctx.dryRun) return 'copied';

  const res = await from.client.get(from.bucket, key, signal ? { signal } : {});
  if (!res) throw new Error('source object disappeared after listing');
  const body = res.body.pipe(verifyingStream(expected, source.size, ctx.onBytes));
  // A failed source read or check must fail the upload, not leave it waiting for bytes: the
  // upload is aborted, and the stream's error (not the aborted request's) is what is reported.
  const upload = new AbortController();
  let streamError: unknown;
  const fail = (err: unknown) => {
    streamError ??= err;
    upload.abort(err);
  };
  res.body.once('error', (err) => body.destroy(err));
  body.once('error', fail);
  const onAbort = () => upload.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const metadata = { ...source.metadata, sha256: expected };
  const meta = source.contentType ? { contentType: source.contentType, metadata } : { metadata };
  try {
    if (source.size > ctx.threshold) {
      // lib-storage: parts cut from the stream, two in flight, the upload aborted on any failure.
      const partSize = Math.max(ctx.partSize, Math.ceil(source.size / MAX_PARTS / MiB) * MiB);
      await to.client.upload(to.bucket, key, body, { ...meta, partSize, queueSize: 2, signal: upload.signal });
    } else {
      await to.client.put(to.bucket, key, body, {
        ...meta,
        contentLength: source.size,
        // AWS verifies this itself and refuses the PUT on mismatch.
        checksumSha256: Buffer.from(expected, 'hex').toString('base64'),
        signal: upload.signal,
      });
    }
  } catch (err) {
    throw streamError ?? err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Refused early (or failed): stop reading the source.
    if (!res.body.readableEnded) res.body.destroy();
  }

  const stored = await to.client.head(to.bucket, key);
  const got = stored?.size === source.size ? await sha256Of(to, key, signal) : `${stored?.size ?? 'no'} bytes`;
  if (got !== expected) {
    await to.client.delete(to.bucket, key).catch(() => undefined);
    throw new Error(`verification failed: destination holds ${got}, expected ${source.size} bytes, sha256 ${expected}`);
  }
  return 'copied';
}

/** Hashes the bytes as they pass and releases the final chunk only once size and hash match. */
function verifyingStream(expected: string, size: number, onBytes: (n: number) => void): Transform {
  const hash = createHash('sha256');
  let seen = 0;
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      seen += chunk.byteLength;
      const release = held;
      held = chunk;
      onBytes(chunk.byteLength);
      callback(null, release);
    },
    flush(callback) {
      const got = hash.digest('hex');
      if (seen !== size || got !== expected) return callback(new Error(`source changed while copying (${seen} bytes, sha256 ${got})`));
      callback(null, held);
    },
  });
}

/** SHA-256 (hex) of an object, streamed. */
export async function sha256Of(ref: BucketRef, key: string, signal?: AbortSignal): Promise<string> {
  const res = await ref.client.get(ref.bucket, key, signal ? { signal } : {});
  if (!res) throw new Error(`GET ${ref.bucket}/${key}: no such object`);
  const hash = createHash('sha256');
  for await (const chunk of res.body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? `${err.message} (${err.cause.message})` : err.message;
}
