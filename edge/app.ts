/**
 * The edge application: middleware order, routes, and the one error model.
 * Routes are registered here; each lives in its own file under ./routes.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './env.ts';
import { AppError, codeForStatus, errorBody } from './errors.ts';
import { requestId } from './middleware/request-id.ts';
import { services } from './middleware/services.ts';
import { healthz } from './routes/healthz.ts';

export function createApp() {
  const app = new Hono<AppEnv>();

  app.use('*', requestId());
  app.use('*', services());

  app.route('/', healthz);

  app.notFound((c) => c.json(errorBody('not_found', 'No such route.', c.get('requestId') ?? ''), 404));

  app.onError((err, c) => {
    const rid = c.get('requestId') ?? '';
    if (err instanceof AppError) {
      for (const [k, v] of Object.entries(err.options.headers ?? {})) c.header(k, v);
      return c.json(errorBody(err.code, err.message, rid, err.options.details), err.status);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      return c.json(errorBody(codeForStatus(status), err.message || 'Request failed.', rid), status);
    }
    // Unknown failures are logged with the request id and answered without detail.
    console.error(JSON.stringify({ level: 'error', requestId: rid, msg: String(err), stack: (err as Error)?.stack }));
    return c.json(errorBody('internal', 'Internal error.', rid), 500);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
