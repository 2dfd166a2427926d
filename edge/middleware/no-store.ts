/**
 * API answers are per caller (a library page, a presigned URL, a token) and
 * must never sit in a shared or browser cache: every answer on the paths this
 * is mounted on (edge/app.ts: `/api/*`, `/s3/*`, `/status`), errors included,
 * is `Cache-Control: private, no-store` unless its handler chose another
 * policy (the OpenAPI document is public for five minutes). Token answers
 * need `no-store` too (RFC 6749 section 5.1); `private` adds nothing there
 * but costs nothing.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

export const NO_STORE = 'private, no-store';

export const noStore = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    if (!c.res.headers.has('cache-control')) c.res.headers.set('Cache-Control', NO_STORE);
  });
