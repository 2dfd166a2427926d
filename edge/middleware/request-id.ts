import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

const SAFE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id, echoed in `X-Request-Id` and in every error body.
 * A caller's own id is kept when it is well-formed (so traces join up), and
 * replaced otherwise: it ends up in logs and must not carry injected text.
 */
export const requestId = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const id = incoming && SAFE_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set('requestId', id);
    await next();
    c.res.headers.set('X-Request-Id', id);
  });
