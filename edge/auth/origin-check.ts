/**
 * CSRF defence for the cookie-authenticated auth routes (refresh and logout
 * act on the `__Host-refresh` cookie a browser attaches by itself; login and
 * register set it, so a forged login could sign a victim into the attacker's
 * account).
 *
 * Layers: the cookie is `SameSite=Strict` (never sent on cross-site requests)
 * and, on top, every POST here must either carry no `Origin` header or an
 * `Origin` that is this edge itself or one of CORS_ORIGINS. Browsers send
 * `Origin` on every cross-origin request and on every POST, so a forged
 * request from another site is refused even by a browser that would send the
 * cookie (same-site subdomains, older SameSite rules). A request without
 * `Origin` comes from a non-browser client, which has no ambient cookies to
 * abuse. `Origin: null` (sandboxed frames, some redirects) is refused.
 *
 * A custom-header check was the alternative; it relies on CORS preflights and
 * on the CORS config never allowing that header to other origins, while the
 * Origin check states the rule directly, so we chose it.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';

export const sameOriginOnly = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.method !== 'OPTIONS') {
      const self = new URL(c.req.url).origin;
      const allowed = origin === self || c.get('services').config.CORS_ORIGINS.includes(origin);
      if (!allowed) {
        console.log(JSON.stringify({ level: 'info', msg: 'cross-origin auth request refused', requestId: c.get('requestId') }));
        throw new AppError('forbidden', 'Cross-origin request refused.');
      }
    }
    await next();
  });
