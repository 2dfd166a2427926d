/**
 * CORS for the SPA's origins (config CORS_ORIGINS): API calls, media and
 * share paths. Only listed origins are echoed back; credentials (the refresh
 * cookie) are allowed for them alone. Media headers a player needs to read
 * (Content-Range, Accept-Ranges, ETag) are exposed.
 */
import { cors as honoCors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

export const cors = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const allowed = c.get('services').config.CORS_ORIGINS;
    return honoCors({
      origin: (origin) => (allowed.includes(origin) ? origin : null),
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'Range', 'If-None-Match', 'If-Modified-Since', 'If-Range', 'X-Request-Id'],
      exposeHeaders: ['Content-Length', 'Content-Range', 'Accept-Ranges', 'ETag', 'Last-Modified', 'Retry-After', 'X-Request-Id'],
      credentials: true,
      maxAge: 600,
    })(c, next);
  });
