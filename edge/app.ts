/**
 * The edge application: middleware order, routes, and the one error model.
 * Each feature registers its routes through its own `routes.ts`
 * (docs/architecture.md, "Code layout").
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env.ts';
import { AppError, codeForStatus, dependencyFailure, errorBody } from './errors.ts';
import { DeadlineError, RETRY_AFTER_SECONDS } from '../shared/deadline.ts';
import { requestId } from './middleware/request-id.ts';
import { noStore } from './middleware/no-store.ts';
import { services } from './middleware/services.ts';
import { registerDocs } from './api/docs.ts';
import { queryText } from './api/query-text.ts';
import { cors } from './middleware/cors.ts';
import { mediaSafety } from './delivery/media-safety.ts';
import { healthz } from './platform/healthz.routes.ts';
import { media } from './delivery/media.routes.ts';
import { shareMedia } from './delivery/share-media.routes.ts';
import { downloadRoutes } from './downloads/downloads.routes.ts';
import { shareZipRoutes } from './downloads/share-zip.routes.ts';
import { sameOriginOnly } from './auth/origin-check.ts';
import { API_CLIENT_LIMIT, AUTH_CLIENT_LIMIT, clientRateLimit } from './middleware/rate-limit.ts';
import { auth } from './auth/routes.ts';
import { jwks } from './auth/jwks.routes.ts';
import { companion, uploads } from './uploads/routes.ts';
import { sharing } from './sharing/routes.ts';
import { dropCompanion, drops } from './drops/routes.ts';
import { library } from './library/routes.ts';
import { webhooksRoutes } from './webhooks/webhooks.routes.ts';
import { subtitleRoutes } from './subtitles/subtitles.routes.ts';
import { serveShell } from './platform/spa.routes.ts';
import { isApiWorker, regionForward } from './platform/region-forward.ts';
import type { MiddlewareHandler } from 'hono';

/** Middleware the public edge runs and the API Worker does not: it was applied before the forward (region-forward.ts). */
const edgeOnly =
  (mw: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> =>
  (c, next) =>
    isApiWorker(c) ? next() : mw(c, next);

export function createApp() {
  // OpenAPIHono is a Hono whose registry collects the OpenAPI routers mounted on it.
  const app = new OpenAPIHono<AppEnv>();

  app.use('*', requestId());
  app.use('*', services());
  for (const path of ['/api/*', '/m/*', '/s/*', '/s3/*', '/status']) app.use(path, edgeOnly(cors()));
  for (const path of ['/api/*', '/s3/*', '/status']) app.use(path, noStore());
  for (const path of ['/m/*', '/s/*']) app.use(path, mediaSafety());
  app.use('/api/auth/*', edgeOnly(clientRateLimit(AUTH_CLIENT_LIMIT)), sameOriginOnly());
  // The file drop's companion too: the per-client limits run here, in the edge, before any forward.
  for (const path of ['/api/*', '/s3/*', '/s/:token/s3/*']) app.use(path, edgeOnly(clientRateLimit(API_CLIENT_LIMIT)));

  // Bodies are read per route by edge/api/json-body.ts; query strings are checked here for all.
  for (const path of ['/api/*', '/s3/*', '/status', '/m/*', '/s/*']) app.use(path, queryText());

  // With an `API` binding, requests that need the database leave here for the API Worker, every
  // check above applied; in the API Worker the routes below answer them (edge/platform/region-forward.ts).
  app.use('*', regionForward());

  app.route('/', healthz);
  app.route('/', media);
  // Before shareMedia: `/s/:token/download.zip` would otherwise read as a variant path.
  app.route('/', shareZipRoutes);
  app.route('/', dropCompanion);
  app.route('/', shareMedia);
  app.route('/', auth);
  app.route('/', jwks);
  app.route('/', uploads);
  app.route('/', companion);
  app.route('/', sharing);
  app.route('/', drops);
  app.route('/', library);
  app.route('/', webhooksRoutes);
  app.route('/', subtitleRoutes);
  app.route('/', downloadRoutes);

  registerDocs(app);

  // Anything else a browser navigates to is the single-page app's (edge/platform/spa.routes.ts).
  app.notFound(async (c) => (await serveShell(c)) ?? c.json(errorBody('not_found', 'No such route.', c.get('requestId') ?? ''), 404));

  app.onError((err, c) => {
    const rid = c.get('requestId') ?? '';
    // A dependency that hangs costs a bounded wait and a 503 the client may retry: a warning, not an error.
    const failed = dependencyFailure(err);
    if (failed instanceof DeadlineError) {
      console.warn(
        JSON.stringify({ level: 'warn', msg: 'dependency missed its deadline', deadline: failed.kind, ms: failed.ms, requestId: rid }),
      );
      c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      return c.json(errorBody('dependency_timeout', 'A service this request needs did not answer in time; try again shortly.', rid), 503);
    }
    if (failed) {
      console.warn(JSON.stringify({ level: 'warn', msg: 'dependency unreachable', dependency: failed.dependency, requestId: rid }));
      c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      return c.json(errorBody('unavailable', 'A service this request needs is unavailable; try again shortly.', rid), 503);
    }
    if (err instanceof AppError) {
      if (err.options.logAs) {
        const line = JSON.stringify({ level: err.options.logAs, msg: err.message, code: err.code, requestId: rid });
        if (err.options.logAs === 'info') console.info(line);
        else console.warn(line);
      }
      for (const [k, v] of Object.entries(err.options.headers ?? {})) c.header(k, v);
      return c.json(errorBody(err.code, err.message, rid, err.options.details), err.status);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      return c.json(errorBody(codeForStatus(status), err.message || 'Request failed.', rid), status);
    }
    // Unknown failures are logged with the request id and answered without detail.
    console.error(
      JSON.stringify({
        level: 'error',
        requestId: rid,
        msg: redact(String(err)),
        cause: redact(String((err as Error)?.cause ?? '')),
        stack: redact((err as Error)?.stack ?? ''),
      }),
    );
    return c.json(errorBody('internal', 'Internal error.', rid), 500);
  });

  return app;
}

/**
 * Drizzle's query errors quote the query's parameters (`params: ...`), which
 * can hold password hashes, tokens or e-mail addresses: never log them.
 */
export const redact = (text: string): string => text.replace(/params: [^\n]*/g, 'params: [redacted]');

export type App = ReturnType<typeof createApp>;
