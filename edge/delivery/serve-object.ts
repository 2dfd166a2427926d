/**
 * Streams one stored object to the client: the body is the storage
 * response's stream, passed through without being read into memory. Range,
 * If-Range, If-None-Match and If-Modified-Since are decided here (see
 * range.ts and conditional.ts); storage is asked only for the exact bytes.
 * What is sent (the whole object or the planned range) is handed to
 * `onBody` before the answer leaves, so a caller can count or refuse it.
 */
import { StorageError } from '../storage/s3-client.ts';
import type { MediaReader } from '../storage/cdn-reader.ts';
import { DeadlineError } from '../../shared/deadline.ts';
import { AppError } from '../errors.ts';
import { ifRangeHolds, isNotModified } from './conditional.ts';
import { presentationHeaders, type Source } from './content-policy.ts';
import type { SentBytes } from './sent-bytes.ts';
import { formatSpec, parseContentRange, parseRange, planRange, type ByteRange } from './range.ts';

export interface ServeObjectOptions {
  bucket: string;
  key: string;
  method: 'GET' | 'HEAD';
  /** The client's request headers (Range and conditionals are read from them). */
  request: Headers;
  cacheControl: string;
  /** Whose bytes: an original is typed by what the pipeline sniffed, a derivative by its stored type. */
  source: Source;
  /** Serve as an attachment whatever the type. */
  download: boolean;
  /** Name offered when saved. */
  filename: string;
  /** Extra response headers (e.g. Vary). */
  headers?: Record<string, string>;
  /** Rewrites a small text body (HLS playlists); ranges and validators do not apply to the result. */
  rewrite?: (text: string) => string | Promise<string>;
  /**
   * Called for a GET answer with a body (200 or 206), once storage has the
   * bytes and before they are sent, with what will be sent. Throwing refuses
   * the answer (the storage body is cancelled). Never called for HEAD, 304
   * or 416.
   */
  onBody?: (sent: SentBytes) => Promise<void>;
}

/** Playlists are small; anything bigger is not one we wrote. */
const MAX_REWRITE_BYTES = 1 << 20;

interface Stored {
  etag: string | null;
  lastModified: Date | null;
  contentType: string | null;
}

function storedOf(h: Headers): Stored {
  const lm = h.get('last-modified');
  const date = lm ? new Date(lm) : null;
  return {
    etag: h.get('etag'),
    lastModified: date && !Number.isNaN(date.getTime()) ? date : null,
    contentType: h.get('content-type'),
  };
}

/** Maps storage failures: a missing or (on AWS without ListBucket) forbidden key is 404; the rest is 503. */
async function fromStorage<T>(what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (err) {
    if (err instanceof DeadlineError) throw err; // a 503 of its own, logged as a warning (app.ts)
    if (err instanceof StorageError && (err.code === 'AccessDenied' || err.status === 403)) {
      throw new AppError('not_found', 'No such media.', { cause: err });
    }
    console.error(JSON.stringify({ level: 'error', msg: 'storage failure on media read', error: String(err) }));
    throw new AppError('unavailable', 'Storage is unavailable; try again shortly.', {
      cause: err,
      headers: { 'Retry-After': '5' },
    });
  }
}

const notFound = () => new AppError('not_found', 'No such media.');

export async function serveObject(storage: MediaReader, opts: ServeObjectOptions): Promise<Response> {
  const base = (s: Stored): Headers => {
    const h = new Headers(presentationHeaders(opts.source, s.contentType, { download: opts.download, filename: opts.filename }));
    h.set('cache-control', opts.cacheControl);
    for (const [k, v] of Object.entries(opts.headers ?? {})) h.set(k, v);
    if (!opts.rewrite) {
      h.set('accept-ranges', 'bytes');
      if (s.etag) h.set('etag', s.etag);
      if (s.lastModified) h.set('last-modified', s.lastModified.toUTCString());
    }
    return h;
  };
  const notModified = (s: Stored) => {
    const h = base(s);
    h.delete('content-type');
    h.delete('content-disposition');
    h.delete('content-security-policy');
    return new Response(null, { status: 304, headers: h });
  };
  const unsatisfiable = (length: number): never => {
    throw new AppError('range_not_satisfiable', 'The requested range is outside the object.', {
      headers: { 'content-range': `bytes */${length}`, 'accept-ranges': 'bytes', 'cache-control': 'no-store' },
    });
  };
  const respond = async (s: Stored, body: ReadableStream | null, length: number, range?: ByteRange) => {
    const h = base(s);
    h.set('content-length', String(range ? range.end - range.start + 1 : length));
    if (range) h.set('content-range', `bytes ${range.start}-${range.end}/${length}`);
    if (opts.method === 'HEAD') {
      await body?.cancel();
      return new Response(null, { status: range ? 206 : 200, headers: h });
    }
    await handOver(opts, body, { length, range: range ?? null });
    return new Response(body, { status: range ? 206 : 200, headers: h });
  };

  if (opts.rewrite) return serveRewritten(storage, opts, base);

  const specs = parseRange(opts.request.get('range'));
  const ifRange = opts.request.get('if-range');

  // HEAD, several specs (or a spec no storage server agrees on): metadata first, then (for GET) exactly the bytes needed.
  const needsLength = specs !== null && (specs.length > 1 || specs.some((x) => 'suffix' in x && x.suffix === 0));
  if (opts.method === 'HEAD' || needsLength) {
    const info = await fromStorage(() => storage.head(opts.bucket, opts.key));
    if (!info) throw notFound();
    const s: Stored = { etag: info.etag || null, lastModified: info.lastModified ?? null, contentType: info.contentType ?? null };
    if (isNotModified(opts.request, s.etag, s.lastModified)) return notModified(s);
    const plan = specs && ifRangeHolds(ifRange, s.etag, s.lastModified) ? planRange(specs, info.size) : { kind: 'full' as const };
    if (plan.kind === 'unsatisfiable') return unsatisfiable(info.size);
    const range = plan.kind === 'partial' ? plan.range : undefined;
    if (opts.method === 'HEAD') return respond(s, null, info.size, range);
    const res = await fromStorage(() => storage.get(opts.bucket, opts.key, range ? { range: `bytes=${range.start}-${range.end}` } : {}));
    if (!res) throw notFound();
    return respond(s, res.body, info.size, range);
  }

  const conditional = {
    ...(opts.request.get('if-none-match') ? { ifNoneMatch: opts.request.get('if-none-match')! } : {}),
    ...(!opts.request.get('if-none-match') && opts.request.get('if-modified-since')
      ? { ifModifiedSince: opts.request.get('if-modified-since')! }
      : {}),
  };
  const spec = specs?.[0];
  let res = await fromStorage(() => storage.get(opts.bucket, opts.key, { ...conditional, ...(spec ? { range: formatSpec(spec) } : {}) }));
  if (!res) throw notFound();
  let s = storedOf(res.headers);
  if (res.status === 304) {
    // Some servers omit the validators on a 304; the client needs them to refresh its copy.
    if (!s.etag) {
      const info = await fromStorage(() => storage.head(opts.bucket, opts.key));
      if (!info) throw notFound();
      s = { etag: info.etag || null, lastModified: info.lastModified ?? null, contentType: info.contentType ?? null };
    }
    return notModified(s);
  }
  if (isNotModified(opts.request, s.etag, s.lastModified)) {
    await res.body?.cancel();
    return notModified(s);
  }

  if (res.status === 416) {
    // Storage found no overlap. Re-decide with the object's length (and the
    // If-Range validator), since only a 416 that we decide carries `bytes */len`.
    await res.body?.cancel();
    const info = await fromStorage(() => storage.head(opts.bucket, opts.key));
    if (!info) throw notFound();
    s = { etag: info.etag || null, lastModified: info.lastModified ?? null, contentType: info.contentType ?? null };
    const plan = spec && ifRangeHolds(ifRange, s.etag, s.lastModified) ? planRange([spec], info.size) : ({ kind: 'full' } as const);
    if (plan.kind === 'unsatisfiable') return unsatisfiable(info.size);
    const range = plan.kind === 'partial' ? plan.range : undefined;
    res = await fromStorage(() => storage.get(opts.bucket, opts.key, range ? { range: `bytes=${range.start}-${range.end}` } : {}));
    if (!res) throw notFound();
    return respond(storedOf(res.headers), res.body, info.size, range);
  }

  if (res.status === 206) {
    const cr = parseContentRange(res.headers.get('content-range'));
    if (!cr || !spec || !ifRangeHolds(ifRange, s.etag, s.lastModified)) {
      // If-Range no longer holds (or storage sent something we cannot read): the whole object.
      await res.body?.cancel();
      res = await fromStorage(() => storage.get(opts.bucket, opts.key));
      if (!res) throw notFound();
      return respond(storedOf(res.headers), res.body, Number(res.headers.get('content-length')));
    }
    // Storage's answer is checked against our own decision for its length:
    // servers differ on suffix and zero-length ranges (s3rver answers
    // `bytes=-500` with 0-500 and `bytes=0-0` with the whole object).
    const plan = planRange([spec], cr.length);
    if (plan.kind !== 'partial') {
      await res.body?.cancel();
      return unsatisfiable(cr.length);
    }
    const want = plan.range;
    if (cr.range.start === want.start && cr.range.end === want.end) return respond(s, res.body, cr.length, want);
    if (cr.range.start > want.start || cr.range.end < want.end) {
      await res.body?.cancel();
      res = await fromStorage(() => storage.get(opts.bucket, opts.key, { range: `bytes=${want.start}-${want.end}` }));
      if (!res) throw notFound();
      const again = parseContentRange(res.headers.get('content-range'));
      if (res.status !== 206 || !again || again.range.start > want.start || again.range.end < want.end) {
        await res.body?.cancel();
        throw new AppError('unavailable', 'Storage did not honour the range.', { headers: { 'Retry-After': '5' } });
      }
      return respond(s, narrow(res.body!, want.start - again.range.start, want.end - want.start + 1), cr.length, want);
    }
    return respond(s, narrow(res.body!, want.start - cr.range.start, want.end - want.start + 1), cr.length, want);
  }

  // 200: no Range asked, or storage ignored it (e.g. an empty object).
  const length = Number(res.headers.get('content-length'));
  if (spec && ifRangeHolds(ifRange, s.etag, s.lastModified)) {
    const plan = planRange([spec], length);
    if (plan.kind === 'unsatisfiable') {
      await res.body?.cancel();
      return unsatisfiable(length);
    }
    if (plan.kind === 'partial' && (plan.range.start !== 0 || plan.range.end !== length - 1)) {
      await res.body?.cancel();
      const exact = await fromStorage(() => storage.get(opts.bucket, opts.key, { range: `bytes=${plan.range.start}-${plan.range.end}` }));
      if (exact?.status !== 206)
        throw new AppError('unavailable', 'Storage did not honour the range.', { headers: { 'Retry-After': '5' } });
      return respond(s, exact.body, length, plan.range);
    }
    if (plan.kind === 'partial') return respond(s, res.body, length, plan.range);
  }
  return respond(s, res.body, length);
}

async function serveRewritten(storage: MediaReader, opts: ServeObjectOptions, base: (s: Stored) => Headers): Promise<Response> {
  const res = await fromStorage(() => storage.get(opts.bucket, opts.key));
  if (!res) throw notFound();
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_REWRITE_BYTES) {
    await res.body?.cancel();
    throw new AppError('unavailable', 'The playlist is too large to serve.');
  }
  const text = await res.text();
  const body = new TextEncoder().encode(await opts.rewrite!(text));
  const h = base(storedOf(res.headers));
  h.set('content-length', String(body.byteLength));
  if (opts.method === 'HEAD') return new Response(null, { status: 200, headers: h });
  await handOver(opts, null, { length: body.byteLength, range: null });
  return new Response(body, { status: 200, headers: h });
}

/** Asks `onBody` about a GET answer; a refusal cancels the storage stream before rethrowing. */
async function handOver(opts: ServeObjectOptions, body: ReadableStream | null, sent: SentBytes): Promise<void> {
  if (!opts.onBody) return;
  try {
    await opts.onBody(sent);
  } catch (err) {
    await body?.cancel().catch(() => undefined);
    throw err;
  }
}

/**
 * The `take` bytes after the first `skip` of a stream, for a storage answer
 * that covers more than the range asked; the rest of the source is cancelled.
 */
function narrow(source: ReadableStream<Uint8Array>, skip: number, take: number): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let toSkip = skip;
  let left = take;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (left === 0) {
        controller.close();
        await reader.cancel();
        return;
      }
      const { done, value } = await reader.read();
      if (done) {
        controller.error(new Error('storage stream ended early'));
        return;
      }
      let chunk = value;
      if (toSkip > 0) {
        const dropped = Math.min(toSkip, chunk.byteLength);
        toSkip -= dropped;
        chunk = chunk.subarray(dropped);
      }
      if (chunk.byteLength > left) chunk = chunk.subarray(0, left);
      left -= chunk.byteLength;
      if (chunk.byteLength > 0) controller.enqueue(chunk);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
