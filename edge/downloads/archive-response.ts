/**
 * The HTTP answer for a planned archive: `Content-Length` from the layout
 * (exact before the first byte), a strong ETag naming the archive's
 * contents, and Range: a single range is served (206) when If-Range, if
 * sent, still names this archive. Bytes before the range are read from
 * storage (every CRC is needed for the central directory) but not sent, so a
 * resume costs storage reads, not the client's bandwidth. Originals are
 * checked against the ETag the pipeline recorded as they are opened; a
 * replaced original, a missing object or a size that differs from the plan
 * aborts the stream (the promised length cannot be kept).
 */
import { derivativeKey, originalKey } from '../../shared/storage/keys.ts';
import { bareEtag } from '../../shared/storage/etag.ts';
import { ifRangeHolds } from '../delivery/conditional.ts';
import { contentDisposition } from '../delivery/content-policy.ts';
import { parseRange, planRange, type RangePlan } from '../delivery/range.ts';
import { AppError } from '../errors.ts';
import type { S3Client } from '../storage/s3-client.ts';
import type { ArchivePlan } from './archive-plan.ts';
import { ZipSourceError, zipStream, type ZipSource } from './zip-stream.ts';

export interface Buckets {
  raw: string;
  derivatives: string;
}

/** How to answer this request's Range and If-Range for the plan. */
export function rangeOf(plan: ArchivePlan, request: Headers): RangePlan {
  const specs = parseRange(request.get('range'));
  if (!specs || !ifRangeHolds(request.get('if-range'), plan.etag, null)) return { kind: 'full' };
  return planRange(specs, plan.length);
}

/** True when the answer carries the archive's first byte: a new download, not a resume. */
export const startsArchive = (range: RangePlan) => range.kind === 'full' || (range.kind === 'partial' && range.range.start === 0);

function sources(storage: S3Client, buckets: Buckets, plan: ArchivePlan): ZipSource[] {
  const files: ZipSource[] = plan.files.map((f, i) => ({
    entry: plan.entries[i]!,
    open: async () => {
      const [bucket, key] =
        plan.variant === 'original' ? [buckets.raw, originalKey(f.assetId)] : [buckets.derivatives, derivativeKey(f.assetId, plan.variant)];
      const res = await storage.get(bucket, key);
      if (!res?.body || res.status !== 200) {
        await res?.body?.cancel();
        throw new ZipSourceError(`entry ${i}: the stored file is missing`);
      }
      if (f.expectEtag !== null && bareEtag(res.headers.get('etag')) !== bareEtag(f.expectEtag)) {
        await res.body.cancel();
        throw new ZipSourceError(`entry ${i}: the stored original changed after it was checked`);
      }
      return res.body;
    },
  }));
  const manifest = plan.manifest;
  files.push({
    entry: plan.entries[plan.entries.length - 1]!,
    open: async () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(manifest);
          controller.close();
        },
      }),
  });
  return files;
}

export interface ArchiveAnswer {
  storage: S3Client;
  buckets: Buckets;
  plan: ArchivePlan;
  method: 'GET' | 'HEAD';
  range: RangePlan;
  filename: string;
  cacheControl: string;
}

export function archiveResponse(a: ArchiveAnswer): Response {
  const { plan, range } = a;
  const headers = new Headers({
    'content-type': 'application/zip',
    'content-disposition': contentDisposition('attachment', a.filename),
    etag: plan.etag,
    'accept-ranges': 'bytes',
    'cache-control': a.cacheControl,
    'referrer-policy': 'no-referrer',
  });
  if (range.kind === 'unsatisfiable') {
    throw new AppError('range_not_satisfiable', 'The requested range is outside the archive.', {
      headers: { 'content-range': `bytes */${plan.length}` },
    });
  }
  const window = range.kind === 'partial' ? range.range : null;
  const status = window ? 206 : 200;
  headers.set('content-length', String(window ? window.end - window.start + 1 : plan.length));
  if (window) headers.set('content-range', `bytes ${window.start}-${window.end}/${plan.length}`);
  if (a.method === 'HEAD') return new Response(null, { status, headers });
  const body = zipStream(sources(a.storage, a.buckets, plan), { forceZip64: plan.forceZip64 }, window);
  return new Response(body, { status, headers });
}
