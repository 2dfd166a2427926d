/**
 * S3's error answer, for the local server's own middleware: the status, an
 * `<Error>` XML body with S3's code and message, and the `x-amz-error-code`
 * header s3rver also sets, so clients see the same thing AWS sends.
 */
import cors from '@20minutes/s3rver/lib/middleware/cors.js';
import { escapeXml } from '../edge/storage/xml.ts';

export interface ErrorCtx {
  status: number;
  type: string;
  body: unknown;
  set(name: string, value: string): void;
}

export function s3Error(ctx: ErrorCtx, status: number, code: string, message: string, detail: Record<string, string> = {}): void {
  const extra = Object.entries(detail)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join('');
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.set('x-amz-error-code', code);
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${extra}</Error>`;
}

const bucketCors = cors();

/**
 * Runs `fn` inside s3rver's CORS step for `bucket`, so an answer given before
 * s3rver's router (which adds these headers itself) still carries the
 * bucket's CORS headers, as AWS's error answers do: a browser then sees the
 * 403 or 412, not an opaque CORS failure.
 */
export async function withCors(ctx: { params?: Record<string, string | undefined> }, bucket: string | undefined, fn: () => Promise<void>) {
  if (!bucket) return fn();
  ctx.params = { ...ctx.params, bucket };
  await bucketCors(ctx, fn);
}
