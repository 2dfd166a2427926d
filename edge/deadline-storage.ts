/**
 * Object storage with deadlines, per kind of call (shared/deadline.ts):
 *
 * - a metadata call (HEAD, listings, multipart create/complete/abort) must
 *   finish within `storage-metadata`;
 * - a streamed GET must start (status and headers) within
 *   `storage-first-byte`: both answer 503 through the error model;
 * - once a body flows, a stall longer than `storage-stall` between two
 *   chunks that the client is waiting for ends the stream with an error.
 *   The status and headers are gone by then, so no 503 is possible: the
 *   client sees its response cut short (fewer bytes than Content-Length, a
 *   failed download it may resume with Range), which is what it must see
 *   rather than a connection held open for as long as storage hangs. Time
 *   spent while the *client* reads slowly never counts: the clock runs only
 *   while a read is pending upstream.
 *
 * A wrapper rather than changes inside the client, so the S3 client stays a
 * plain S3 client (the origin uses it without deadlines). Signing-only calls
 * pass through untouched.
 */
import { DeadlineError, deadlineSignal, withDeadline, type Deadlines } from '../shared/deadline.ts';
import type { GetOptions, S3Client } from '../shared/storage/s3-client.ts';

/** Calls that only sign (no I/O), and so have nothing to wait for. */
const SIGN_ONLY = new Set<string | symbol>(['url', 'presignGet', 'presignPut', 'presignUploadPart']);

export function storageWithDeadlines(
  client: S3Client,
  deadlines: Deadlines,
  /** Told of a stall mid-body (no error reaches the error model then). */
  onStall: (err: DeadlineError) => void,
): S3Client {
  const get = async (bucket: string, key: string, opts: GetOptions = {}): Promise<Response | null> => {
    const ms = deadlines['storage-first-byte'];
    const deadline = deadlineSignal(ms, 'storage-first-byte', opts.signal);
    let res: Response | null;
    try {
      res = await client.get(bucket, key, { ...opts, signal: deadline.signal });
    } catch (err) {
      if (deadline.fired()) throw new DeadlineError('storage-first-byte', ms);
      throw err;
    } finally {
      deadline.clear();
    }
    if (!res?.body) return res;
    const body = watchStalls(res.body, deadlines['storage-stall'], (err) => {
      deadline.abort(err);
      onStall(err);
    });
    return new Response(body, res);
  };

  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'get') return get;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || SIGN_ONLY.has(prop)) return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        return result instanceof Promise ? withDeadline(result, deadlines['storage-metadata'], 'storage-metadata') : result;
      };
    },
  });
}

/**
 * Passes `body` through, erroring it when a pending read waits longer than
 * `ms` for the next chunk. Pull-based with no read-ahead, so a slow client
 * never makes upstream look stalled.
 */
export function watchStalls(
  body: ReadableStream<Uint8Array>,
  ms: number,
  onStall: (err: DeadlineError) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const stalled = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DeadlineError('storage-stall', ms)), ms);
        });
        try {
          const { done, value } = await Promise.race([reader.read(), stalled]);
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          if (err instanceof DeadlineError) {
            onStall(err);
            reader.cancel(err).catch(() => {});
          }
          throw err;
        } finally {
          if (timer !== undefined) clearTimeout(timer);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
