/**
 * The refresh token's cookie: `__Host-refresh`, HttpOnly (no script reads it),
 * Secure, SameSite=Strict, Path=/ and no Domain (the `__Host-` prefix makes
 * browsers enforce the last three, so no subdomain can set or shadow it).
 *
 * Secure everywhere, with no switch: browsers treat http://localhost and
 * http://127.0.0.1 as secure contexts and keep Secure cookies there
 * (Chromium, Firefox), so `npm run dev` works over plain HTTP. Safari does not;
 * run `wrangler dev --local-protocol https` for Safari. A flag to drop
 * `Secure` would be one misconfiguration away from production.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../env.ts';
import { REFRESH_TOKEN_TTL_SECONDS } from './refresh-tokens.ts';

/** The cookie's name without its prefix (hono adds `__Host-`). */
const NAME = 'refresh';
export const REFRESH_COOKIE = `__Host-${NAME}`;

export function readRefreshCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, NAME, 'host');
}

export function setRefreshCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, NAME, token, {
    prefix: 'host',
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: REFRESH_TOKEN_TTL_SECONDS,
  });
}

export function clearRefreshCookie(c: Context<AppEnv>): void {
  deleteCookie(c, NAME, { prefix: 'host', httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
}
