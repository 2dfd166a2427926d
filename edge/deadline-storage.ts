/**
 * Object storage with deadlines, per kind of call (shared/deadline.ts):
 *
 * - a metadata call (HEAD, listings, multipart create/complete/abort) must
 *   finish within `storage-metadata`;
 * - a streamed GET must start (status and headers) within
 *   `storage-first-byte`: both answer 503 through the error model;
 * - once the body flows it is the storage response's own stream, passed on
 *   untouched (no JavaScript per chunk: a pump here cost 36 CPU s per GiB in
 *   workerd and cut streaming to a tenth, docs/benchmarks.md). A stall
 *   mid-body is therefore left to the platform's own idle limits.
 *
 * A storage server that refuses or drops the connection makes the client's
 * fetch throw something other than a StorageError (which is S3's own
 * answer): that is a DependencyUnavailableError, a 503 at the edge.
 *
 * A wrapper rather than changes inside the client, so the S3 client stays a
 * plain S3 client (the origin uses it without deadlines). Signing-only calls
 * pass through untouched.
 */
import { DeadlineError, type Deadlines, DependencyUnavailableError, deadlineSignal, withDeadline } from '../shared/deadline.ts';
import { type GetOptions, type S3Client, StorageError } from './storage/s3-client.ts';

/** Calls that only sign (no I/O), and so have nothing to wait for. */
const SIGN_ONLY = new Set<string | symbol>(['url', 'presignGet', 'presignPut', 'presignUploadPart']);

export function storageWithDeadlines(client: S3Client, deadlines: Deadlines): S3Client {
  const get = async (bucket: string, key: string, opts: GetOptions = {}): Promise<Response | null> => {
    const ms = deadlines['storage-first-byte'];
    const deadline = deadlineSignal(ms, 'storage-first-byte', opts.signal);
    let res: Response | null;
    try {
      res = await client.get(bucket, key, { ...opts, signal: deadline.signal });
    } catch (err) {
      if (deadline.fired()) throw new DeadlineError('storage-first-byte', ms);
      // The caller's own abort (the client went away) stays what it is.
      if (opts.signal?.aborted) throw err;
      throw unreachable(err);
    } finally {
      deadline.clear();
    }
    return res;
  };

  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'get') return get;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || SIGN_ONLY.has(prop)) return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        return result instanceof Promise
          ? withDeadline(result, deadlines['storage-metadata'], 'storage-metadata').catch((err: unknown) => {
              throw unreachable(err);
            })
          : result;
      };
    },
  });
}

/** S3's own answers (StorageError) and missed deadlines pass; anything else the fetch threw means storage was out of reach. */
function unreachable(err: unknown): unknown {
  return err instanceof StorageError || err instanceof DeadlineError ? err : new DependencyUnavailableError('storage', err);
}
