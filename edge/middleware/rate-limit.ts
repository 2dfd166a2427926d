/**
 * Per-client request limits with the Workers Rate Limiting binding
 * (`[[ratelimits]]` in wrangler.toml; Miniflare 4 implements it locally, in
 * memory, with the same fixed windows of 10 or 60 seconds). The binding is
 * per Cloudflare location and eventually consistent: it is a flood guard in
 * front of the expensive parts (password hashing, database), not an exact
 * quota. Exact limits that must hold everywhere (failed logins) live in the
 * database (edge/auth/attempt-limit.ts).
 *
 * Keyed by client address (/64 for IPv6, see client-address.ts). Without the
 * binding (a deployment that did not declare it) the middleware lets every
 * request through; if the binding itself fails, the request goes through
 * too (fail open, logged): the database limits still hold for logins.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv, Bindings } from '../env.ts';
import { retryLater } from '../errors.ts';
import { clientKey } from './client-address.ts';

/** A rate-limit binding and the window it was declared with in wrangler.toml. */
export interface ClientLimit {
  binding: 'AUTH_RATE_LIMITER' | 'API_RATE_LIMITER' | 'DROP_RATE_LIMITER';
  /** The binding's `simple.period`, in seconds: the longest a refused client waits. */
  periodSeconds: 10 | 60;
}

/** `/api/auth/*`: 30 requests per minute per client (wrangler.toml). */
export const AUTH_CLIENT_LIMIT: ClientLimit = { binding: 'AUTH_RATE_LIMITER', periodSeconds: 60 };
/** `/api/*`, `/s3/*` and `/s/:token/s3/*`: 600 requests per minute per client (wrangler.toml). */
export const API_CLIENT_LIMIT: ClientLimit = { binding: 'API_RATE_LIMITER', periodSeconds: 60 };
/** Files started through one upload link, from all its holders together: 120 per minute (wrangler.toml). */
export const DROP_LINK_LIMIT: ClientLimit = { binding: 'DROP_RATE_LIMITER', periodSeconds: 60 };

/**
 * Counts one request against `limit` under `key` (a client address, or a
 * subject such as `link:<id>`); refuses with 429 `rate_limited` and
 * `Retry-After` when over it. Fails open, as above.
 */
export async function checkRateLimit(c: Context<AppEnv>, limit: ClientLimit, key: string): Promise<void> {
  const limiter = (c.env as Partial<Bindings> | undefined)?.[limit.binding];
  if (!limiter || c.req.method === 'OPTIONS') return;
  let success = true;
  try {
    ({ success } = await limiter.limit({ key }));
  } catch (err) {
    console.error(
      JSON.stringify({ level: 'error', msg: `rate limiter ${limit.binding} failed: ${String(err)}`, requestId: c.get('requestId') }),
    );
  }
  if (!success) throw retryLater('rate_limited', 'Too many requests. Try again later.', limit.periodSeconds);
}

/** Refuses a client over `limit` with 429 `rate_limited` and `Retry-After`. */
export const clientRateLimit = (limit: ClientLimit) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await checkRateLimit(c, limit, clientKey(c));
    await next();
  });
