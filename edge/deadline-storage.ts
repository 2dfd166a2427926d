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
import type { GetOptions, S3Client } from './storage/s3-client.ts';

/** Calls that only sign (no I/O), and so have nothing to wait for. */
const SIGN_ONLY = new Set<string | symbol>(['url', 'presignGet', 'presignPut', 'presignUploadPart']);

/** What happened to a streamed body after its response had begun (no error reaches the error model then). */
export interface StreamEvents {
  /** Storage stalled mid-body: the response was cut short. */
  stalled(err: DeadlineError): void;
}

export function storageWithDeadlines(client: S3Client, deadlines: Deadlines, events: StreamEvents): S3Client {
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
    const declared = res.headers.get('content-length');
    const body = watchStalls(
      res.body,
      deadlines['storage-stall'],
      {
        stalled: (err) => {
          deadline.abort(err);
          events.stalled(err);
        },
      },
      declared === null ? undefined : Number(declared),
    );
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

/** The next chunk of `reader`, or a DeadlineError when it takes longer than `ms`. */
async function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError('storage-stall', ms)), ms);
  });
  try {
    return await Promise.race([reader.read(), stalled]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Passes `body` through, erroring it when a pending read waits longer than
 * `ms` for the next chunk; the clock runs only while the client waits.
 *
 * With a known `length`, through workerd's FixedLengthStream: a body made in
 * JavaScript would otherwise go out chunked, without the Content-Length that
 * downloads, ranges and players rely on. Its writes settle only as the
 * client reads, so the pump below never reads ahead of the client.
 */
export function watchStalls(
  body: ReadableStream<Uint8Array>,
  ms: number,
  events: StreamEvents,
  length?: number,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const fail = (err: unknown) => {
    if (err instanceof DeadlineError) events.stalled(err);
    reader.cancel(err).catch(() => {});
  };
  // workerd's own class; absent in Node, where the JavaScript stream below serves.
  const Fixed = (globalThis as { FixedLengthStream?: new (length: number) => TransformStream<Uint8Array, Uint8Array> }).FixedLengthStream;
  if (length !== undefined && Number.isSafeInteger(length) && Fixed) {
    const { readable, writable } = new Fixed(length);
    const writer = writable.getWriter();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await readWithin(reader, ms);
          if (done) return await writer.close();
          try {
            await writer.write(value);
          } catch (err) {
            // The readable side is gone (the response was dropped): stop reading storage.
            return reader.cancel(err).catch(() => {});
          }
        }
      } catch (err) {
        fail(err);
        await writer.abort(err).catch(() => {});
      }
    })();
    return readable;
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await readWithin(reader, ms);
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          fail(err);
          throw err;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
