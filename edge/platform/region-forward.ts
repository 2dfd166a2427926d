/**
 * Issue #19, option (a): the same bundle runs twice. The **edge Worker**
 * (public, near the viewer) forwards every request that needs the database
 * to the **API Worker** (placed next to the AWS region, no public route)
 * through the service binding `API`; the API Worker answers it with the
 * same routes, its relay and S3 crossings in-region. Without the binding
 * (`wrangler dev`, the tests, the API Worker itself) nothing is forwarded.
 *
 * Where each concern runs, so each applies exactly once and the forward
 * cannot be used to skip one (docs/architecture.md, "Round trips to the region"):
 * - edge only: CORS (preflights never cross), the per-client rate limits
 *   (`AUTH_RATE_LIMITER`, `API_RATE_LIMITER`: declared only in the edge's
 *   config), the request id's choice;
 * - both (pure refusals, no counters or headers): the query-text check and the
 *   same-origin check of `/api/auth/*` — the API Worker's are a second lock;
 * - API Worker: everything that reads the database or storage for the
 *   forwarded request, the drop-link limit (`DROP_RATE_LIMITER`), audit rows.
 *
 * The API Worker is told apart by its config (`WORKER_ROLE = "api"` in
 * wrangler.api.toml), never by a request header a caller could send.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { DependencyUnavailableError } from '../../shared/deadline.ts';
import type { AppEnv } from '../env.ts';
import { clientAddress } from '../middleware/client-address.ts';
import { sendsCredentials } from '../auth/authenticate.ts';

/** The value of `WORKER_ROLE` that makes a Worker the API Worker. */
export const API_ROLE = 'api';

/** True in the API Worker (wrangler.api.toml): it serves forwarded requests and forwards nothing. */
export const isApiWorker = (c: Context<AppEnv>): boolean => (c.env as AppEnv['Bindings'] | undefined)?.WORKER_ROLE === API_ROLE;

/**
 * Requests that need the database: the API, uploads' companion, share links,
 * the status probe, and `/m` authorised by a Bearer token or API key (never
 * cached). Stay in the edge: `/m?t=` (token checked locally, bytes from
 * CloudFront/S3: one crossing or a cache hit), anonymous `/m` (the public
 * Workers-cache hit costs nothing; its route forwards a miss and keeps a
 * public answer), `/healthz`, the JWKS and the SPA.
 */
export function needsRegion(c: Context<AppEnv>): boolean {
  const p = c.req.path;
  if (p.startsWith('/api/') || p.startsWith('/s3/') || p.startsWith('/s/') || p === '/status') return true;
  if (!p.startsWith('/m/') || c.req.query('t') !== undefined) return false;
  return sendsCredentials(c);
}

/**
 * The request as the API Worker receives it: the same method, URL and body
 * (a stream, never read here), with the edge's request id and the client
 * address the edge itself believed (Cloudflare's `CF-Connecting-IP`; removed
 * when the edge had none), so the two Workers log one id and key one client.
 */
export function forwardedRequest(c: Context<AppEnv>): Request {
  const headers = new Headers(c.req.raw.headers);
  headers.set('x-request-id', c.get('requestId'));
  const ip = clientAddress(c);
  if (ip) headers.set('cf-connecting-ip', ip);
  else headers.delete('cf-connecting-ip');
  return new Request(c.req.raw, { headers, redirect: 'manual' });
}

/** A 5xx that is not the API Worker's own JSON error (the runtime's page for a crashed or overloaded Worker). */
const notOurs = (res: Response) => res.status >= 500 && !(res.headers.get('content-type') ?? '').startsWith('application/json');

/** The API Worker's binding, when this is the edge Worker and it has one; null otherwise (no forward). */
export function regionBinding(c: Context<AppEnv>): NonNullable<AppEnv['Bindings']['API']> | null {
  if (isApiWorker(c)) return null;
  return (c.env as AppEnv['Bindings'] | undefined)?.API ?? null;
}

/**
 * Sends the request to the API Worker and returns its answer, body streamed
 * both ways. A binding that throws, or a runtime error page instead of an
 * answer, becomes the one JSON 503 with `Retry-After` (edge/app.ts `onError`).
 */
export async function forwardToRegion(c: Context<AppEnv>, api: NonNullable<AppEnv['Bindings']['API']>): Promise<Response> {
  let res: Response;
  try {
    res = await api.fetch(forwardedRequest(c));
  } catch (err) {
    throw new DependencyUnavailableError('api-worker', err);
  }
  if (notOurs(res)) {
    await res.body?.cancel();
    throw new DependencyUnavailableError('api-worker', new Error(`API Worker answered ${res.status} without a JSON body`));
  }
  // A fetched response's headers are immutable; the edge's middleware (CORS, request id) still sets its own.
  return new Response(res.body, res);
}

/**
 * In the edge with an `API` binding: sends {@link needsRegion} requests to
 * the API Worker ({@link forwardToRegion}). Anonymous `/m` is not sent here:
 * its route looks in the edge's cache first and forwards only a miss
 * (edge/delivery/media.routes.ts).
 * In the API Worker: marks its answers (`Server-Timing: api;dur=`).
 */
export const regionForward = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (isApiWorker(c)) {
      const started = Date.now();
      await next();
      c.res.headers.append('Server-Timing', `api;dur=${Date.now() - started}`);
      return;
    }
    const api = regionBinding(c);
    if (!api || !needsRegion(c)) return next();
    return forwardToRegion(c, api);
  });
