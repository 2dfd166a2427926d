/**
 * Refuses anonymous requests, as S3 does for a bucket under Block Public
 * Access with no public policy: s3rver serves any request that carries no
 * signature at all (it only verifies the ones that do), so `GET /raw/<id>/original`
 * without credentials was 200 here and 403 in AWS.
 *
 * A request passes on only when s3rver will verify a SigV4 signature on it —
 * an `Authorization: AWS4-HMAC-SHA256 …` header or an `X-Amz-Algorithm` query
 * (the same tests, case for case, s3rver uses to decide whether to verify) —
 * or when it is a browser form upload, which carries its signature inside the
 * form: `./s3-post-policy.ts` refuses a form without a valid policy. CORS
 * preflights (OPTIONS) carry no credentials by design and pass. SigV2
 * (`Authorization: AWS …`, `?Signature=`) is refused: AWS accepts only SigV4
 * for new buckets, and nothing here signs with v2.
 */
import { s3Error, withCors, type ErrorCtx } from './s3-error.ts';

interface Ctx extends ErrorCtx {
  params?: Record<string, string | undefined>;
  method: string;
  path: string;
  querystring: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** A form POST to a bucket (S3's POST Object): its policy is its signature. */
export function isFormUpload(ctx: Pick<Ctx, 'method' | 'path' | 'querystring' | 'headers'>): boolean {
  return (
    ctx.method === 'POST' &&
    /^\/[^/]+\/?$/.test(ctx.path) &&
    ctx.querystring === '' &&
    /^multipart\/form-data/i.test(String(ctx.headers['content-type'] ?? ''))
  );
}

function signedV4(ctx: Ctx): boolean {
  const auth = ctx.headers.authorization;
  if (auth !== undefined) return typeof auth === 'string' && /^AWS4-HMAC-SHA256 /.test(auth);
  return 'X-Amz-Algorithm' in ctx.query && !('Signature' in ctx.query);
}

/** Koa middleware for s3rver, placed before everything that reads or writes. */
export function s3RequireSignature() {
  return async (context: unknown, next: () => Promise<void>) => {
    const ctx = context as Ctx;
    if (ctx.method === 'OPTIONS' || isFormUpload(ctx) || signedV4(ctx)) return next();
    await withCors(ctx, /^\/([^/]+)/.exec(ctx.path)?.[1], async () => s3Error(ctx, 403, 'AccessDenied', 'Access Denied'));
  };
}
