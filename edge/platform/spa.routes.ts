/**
 * The single-page app's HTML shell. Hashed files under /static/ are served by
 * Workers static assets without running this Worker (wrangler.toml
 * `run_worker_first`); every other GET that no route claimed — /, /assets/:id,
 * /share/:token … — gets index.html from the ASSETS binding with the headers
 * only the Worker can compute: a CSP whose connect-src names this deployment's
 * storage endpoint (browsers PUT upload parts straight to S3).
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';

/** Paths owned by the API and media routes: an unknown one there is a JSON 404, never the app. */
const SERVER_PATHS = /^\/(api|s3|m|s|static|\.well-known)(\/|$)|^\/(status|healthz)$/;

export function isAppPath(path: string): boolean {
  return !SERVER_PATHS.test(path);
}

/** Origins the browser may send upload bytes to: the endpoint, or its bucket subdomains (virtual-hosted style). */
export function storageOrigins(endpoint: string, pathStyle: boolean): string[] {
  const u = new URL(endpoint);
  return pathStyle ? [u.origin] : [`${u.protocol}//*.${u.host}`];
}

export function shellCsp(storage: string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Uppy's dashboard and the player set style attributes.
    "style-src 'self' 'unsafe-inline'",
    // Thumbnails of files picked for upload are blob: URLs; ThumbHash placeholders are data: URLs.
    "img-src 'self' data: blob:",
    // hls.js feeds the video element through MediaSource (blob:) and runs its transmuxer in a blob: worker;
    // its full build (subtitle renditions) also loads a tiny data: clip to probe playback, which carries no script.
    "media-src 'self' blob: data:",
    "worker-src 'self' blob:",
    `connect-src 'self' ${storage.join(' ')}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function serveShell(c: Context<AppEnv>): Promise<Response | null> {
  const assets = c.env.ASSETS;
  if (!assets || (c.req.method !== 'GET' && c.req.method !== 'HEAD') || !isAppPath(c.req.path)) return null;
  const res = await assets.fetch(new Request(new URL('/', c.req.url), { method: c.req.method }));
  if (!res.ok) return null;
  const { config } = c.get('services');
  const headers = new Headers(res.headers);
  headers.set('content-security-policy', shellCsp(storageOrigins(config.S3_ENDPOINT, config.S3_FORCE_PATH_STYLE)));
  headers.set('x-content-type-options', 'nosniff');
  headers.set('x-frame-options', 'DENY');
  // Share pages carry their token in the path: never send it to another site.
  headers.set('referrer-policy', 'no-referrer');
  headers.set('cache-control', 'no-cache');
  return new Response(res.body, { status: 200, headers });
}
