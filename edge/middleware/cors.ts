/**
 * CORS, two ways.
 *
 * The API (and uploads, status) answers only the SPA's origins (config
 * CORS_ORIGINS), with credentials (the refresh cookie).
 *
 * Media (`/m/*`, `/s/*`) embeds anywhere: public media, signed media URLs
 * (`?t=`) and share links are capabilities in the URL, so a third-party page
 * may play them with hls.js or draw them on a canvas. Those answers (and
 * their errors, which say no more than the status) carry
 * `Access-Control-Allow-Origin: *` without credentials: a browser never lets
 * a page read a credentialed (cookie) answer under `*`, so no cookie — such
 * as a share link's unlock cookie — lends a third party anything. A `/m`
 * answer authorised by a Bearer token is private to the SPA and keeps the
 * origin allowlist.
 */
import type { Context, Next } from 'hono';
import { cors as honoCors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';

/** Request headers a player may send: ranges, conditionals and a share link's unlock. */
const MEDIA_REQUEST_HEADERS = ['Range', 'If-None-Match', 'If-Modified-Since', 'If-Range', 'X-Share-Unlock', 'X-Request-Id'];
/** Response headers a player needs to read. */
const EXPOSED = ['Content-Length', 'Content-Range', 'Accept-Ranges', 'ETag', 'Last-Modified', 'Retry-After', 'X-Request-Id'];
const MAX_AGE = '600';

const apiCors = (allowed: readonly string[]) =>
  honoCors({
    origin: (origin) => (allowed.includes(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    // X-API-Key: an API key may travel in its own header (edge/auth/api-keys), also from the SPA's origins.
    allowHeaders: ['Authorization', 'X-API-Key', 'Content-Type', ...MEDIA_REQUEST_HEADERS],
    exposeHeaders: EXPOSED,
    credentials: true,
    maxAge: 600,
  });

const isMediaPath = (path: string) => path.startsWith('/m/') || path.startsWith('/s/');

/** A `/m` request the route authorises by its Bearer token (a `?t=` token is checked first and wins). */
const bearerMedia = (c: Context<AppEnv>) =>
  c.req.path.startsWith('/m/') && c.req.header('authorization') !== undefined && c.req.query('t') === undefined;

async function mediaCors(c: Context<AppEnv>, next: Next, allowed: readonly string[]): Promise<Response | void> {
  const origin = c.req.header('origin') ?? '';
  if (c.req.method === 'OPTIONS') {
    // A preflight: the SPA's origins may also send Authorization (Bearer media), with credentials.
    const listed = allowed.includes(origin);
    const h = new Headers({
      'access-control-allow-origin': listed ? origin : '*',
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      'access-control-allow-headers': (listed ? ['Authorization', ...MEDIA_REQUEST_HEADERS] : MEDIA_REQUEST_HEADERS).join(', '),
      'access-control-max-age': MAX_AGE,
      vary: 'Origin',
    });
    if (listed) h.set('access-control-allow-credentials', 'true');
    return new Response(null, { status: 204, headers: h });
  }
  if (bearerMedia(c)) return apiCors(allowed)(c, next);
  await next();
  const h = c.res.headers;
  h.set('access-control-allow-origin', '*');
  h.set('access-control-expose-headers', EXPOSED.join(', '));
  h.delete('access-control-allow-credentials');
}

export const cors = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const allowed = c.get('services').config.CORS_ORIGINS;
    if (isMediaPath(c.req.path)) return mediaCors(c, next, allowed);
    return apiCors(allowed)(c, next);
  });
