/**
 * Bucket-level requests whose path ends in a slash (`GET /raw/?list-type=2`,
 * `POST /raw/?delete`), which is how the AWS SDK for JavaScript addresses a
 * bucket in path style. SigV4 signs the path as sent, `/raw/`, but s3rver
 * rebuilds the canonical path from its route parameters, `/raw`, so it
 * refused every such request with SignatureDoesNotMatch.
 *
 * This verifies the signature itself, with s3rver's own authentication over
 * the path as sent (a bucket parameter of `raw/` canonicalises to `/raw/`),
 * and only then hands the request on as `/raw` with the signature consumed,
 * so s3rver routes it as the bucket request it is. A bad or missing signature
 * still fails here, before anything is read or written. Only the
 * Authorization-header form is rewritten: presigned bucket-level URLs are
 * left to s3rver as before.
 */
import authentication from '@20minutes/s3rver/lib/middleware/authentication.js';

interface Ctx {
  method: string;
  path: string;
  params?: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
}

const BUCKET_WITH_SLASH = /^\/([^/]+)\/$/;

/** Koa middleware for s3rver; goes after the anonymous-request check, before everything that routes. */
export function s3BucketPathWithSlash() {
  const auth = authentication();
  return async (context: unknown, next: () => Promise<void>) => {
    const ctx = context as Ctx;
    const bucket = BUCKET_WITH_SLASH.exec(ctx.path)?.[1];
    if (!bucket || ctx.method === 'OPTIONS' || typeof ctx.headers.authorization !== 'string') return next();
    const params = ctx.params;
    ctx.params = { bucket: `${bucket}/` };
    await auth(ctx, async () => {
      ctx.params = params ?? {};
      // Verified: what follows must not verify it again against the rewritten path.
      delete ctx.headers.authorization;
      ctx.path = `/${bucket}`;
      await next();
    });
  };
}
