/**
 * S3's create-only writes, which s3rver ignores: `If-None-Match: *` on
 * PutObject (also CopyObject) and CompleteMultipartUpload. As in AWS:
 * - the key already holds an object → 412 PreconditionFailed, nothing written
 *   (a multipart upload stays open: it can be aborted or completed elsewhere);
 * - another create-only write to the same key is in progress → 409
 *   ConditionalRequestConflict (AWS: "retry"; for a complete, start over);
 * - any other value than `*` → 501 NotImplemented (S3 takes only `*` here).
 * The signature is checked first, with s3rver's own verifier, so an unsigned
 * or forged request learns nothing about which keys exist. The existence
 * check and the write are one step per key: the key stays claimed until the
 * write behind it has finished.
 */
import type S3rver from '@20minutes/s3rver';
import authentication from '@20minutes/s3rver/lib/middleware/authentication.js';
import type { IncomingMessage } from 'node:http';
import { s3Error, withCors, type ErrorCtx } from './s3-error.ts';

type Store = S3rver['store'];

interface Ctx extends ErrorCtx {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, string | undefined>;
  req: IncomingMessage;
}

/** Object sub-resources a PUT may name that are not object writes (tagging, acl, a part). */
const NOT_A_WRITE = ['uploadId', 'partNumber', 'tagging', 'acl', 'retention', 'legal-hold'];

/** Reads and drops a request body we answer without storing, so the client sees our answer, not a reset. */
async function discard(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return;
  for await (const _ of req as AsyncIterable<unknown>) void _;
}

export function s3ConditionalWrites(store: Store) {
  const auth = authentication();
  const exists = (bucket: string, key: string) =>
    (store as unknown as { existsObject(b: string, k: string): Promise<boolean> }).existsObject(bucket, key);
  const writing = new Set<string>();
  return async (context: unknown, next: () => Promise<void>) => {
    const ctx = context as Ctx;
    const condition = ctx.headers['if-none-match'];
    const m = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (condition === undefined || !m) return next();
    const isPut = ctx.method === 'PUT' && !NOT_A_WRITE.some((q) => q in ctx.query);
    const isComplete = ctx.method === 'POST' && typeof ctx.query.uploadId === 'string';
    if (!isPut && !isComplete) return next();

    const bucket = m[1]!;
    const key = decodeURIComponent(m[2]!);
    ctx.params = { bucket, key };
    await withCors(ctx, bucket, () =>
      auth(ctx, async () => {
        if (String(condition).trim() !== '*') {
          await discard(ctx.req);
          return s3Error(ctx, 501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', {
            Header: 'If-None-Match',
          });
        }
        const id = `${bucket}/${key}`;
        if (writing.has(id)) {
          await discard(ctx.req);
          return s3Error(
            ctx,
            409,
            'ConditionalRequestConflict',
            'A conflicting conditional operation is currently in progress against this resource. Please try again.',
          );
        }
        writing.add(id);
        try {
          if (await exists(bucket, key)) {
            await discard(ctx.req);
            return s3Error(ctx, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
              Condition: 'If-None-Match',
            });
          }
          await next();
        } finally {
          writing.delete(id);
        }
      }),
    );
  };
}
