/**
 * The Workers Cache API (`caches.default`, one cache per Cloudflare
 * location) in front of media derivatives, so a hit costs no crossing to the
 * region: neither Postgres nor storage.
 *
 * What is kept, and for how long:
 * - public derivatives (`/m/:id/:variant` without a token or Authorization,
 *   after the access gate found the asset public), and derivatives read with
 *   a verified `?t=` media token (looked up only after the token is checked);
 *   the two are separate key spaces, so a token holder's read of a private
 *   asset can never be served to anyone without a token;
 * - for `EDGE_CACHE_SECONDS` (60 s): the shared-cache bound of the visibility
 *   rule (cache-policy.ts, `s-maxage=60`). An owner who makes an asset
 *   private, deletes or blocks it is obeyed at every location within 60 s,
 *   as by any shared cache; a browser revalidating its own copy
 *   (If-None-Match, If-Modified-Since) always gets a fresh decision, since
 *   conditional requests bypass this cache.
 *
 * Never kept: originals, HLS playlists and storyboard tracks (rewritten per
 * viewer, and master.m3u8 changes as rungs complete), subtitle files (their
 * owner replaces them in place), Bearer answers, share
 * links (`/s`: the link is checked, and download caps counted, per request),
 * errors, partial answers (a Range miss goes to storage and stores nothing).
 *
 * The cached copy's Cache-Control only sets its life here; on the way out the
 * route's own Cache-Control is set again (public or until the token's expiry),
 * so the answer is the same as from storage. Range on a hit: `match` answers
 * one range of a cached 200 with a 206 (verified in workerd); the edge checks
 * it against its own plan and otherwise goes to storage.
 */
import { isSubtitleFile } from '../../shared/profiles/subtitles.ts';
import { isPlaylist } from './hls.ts';
import { isStoryboardTrack } from './storyboard-track.ts';
import { PUBLIC_SHARED_MAX_AGE } from './cache-policy.ts';
import { parseContentRange, parseRange, planRange } from './range.ts';

/** How long a copy lives in the location's cache: never beyond the shared-cache bound of the visibility rule. */
export const EDGE_CACHE_SECONDS = PUBLIC_SHARED_MAX_AGE;

/** Copies larger than this are not kept (the Cache API's own object limit is larger; a location's cache is not a video library). */
export const EDGE_CACHE_MAX_BYTES = 64 * 1024 * 1024;

/** A host no request can name: cache keys are not URLs anyone can ask for. */
const KEY_ORIGIN = 'https://media-cache.internal';

export type CacheSpace = 'public' | 'signed';

export interface EdgeCacheEntry {
  space: CacheSpace;
  assetId: string;
  variant: string;
  download: boolean;
}

/** Derivatives that are the same bytes for every viewer. */
export const edgeCacheable = (variant: string) =>
  variant !== 'original' && !isPlaylist(variant) && !isStoryboardTrack(variant) && !isSubtitleFile(variant);

export function cacheKeyUrl(e: EdgeCacheEntry): string {
  return `${KEY_ORIGIN}/${e.space}/${e.assetId}/${e.variant}${e.download ? '?download=1' : ''}`;
}

function defaultCache(): Cache | null {
  const c = (globalThis as { caches?: { default?: Cache } }).caches;
  return c?.default ?? null;
}

/** Headers of the stored copy that are this cache's own, not the answer's. */
/** Also the API Worker's `Server-Timing`: a copy it read once says nothing about the answer served from here. */
const STORE_ONLY = ['cache-control', 'vary', 'age', 'cf-cache-status', 'expires', 'server-timing'];

/**
 * The cached answer for this request, with the route's Cache-Control and
 * extra headers set, or null (miss, or a request the cache does not answer).
 */
export async function fromEdgeCache(
  entry: EdgeCacheEntry,
  request: Request,
  answer: { cacheControl: string; headers?: Record<string, string> },
  cache = defaultCache(),
): Promise<Response | null> {
  if (!cache || !edgeCacheable(entry.variant)) return null;
  const method = request.method;
  if (method !== 'GET' && method !== 'HEAD') return null;
  const h = request.headers;
  // Revalidations and If-Range are decided afresh (conditional.ts); several ranges never reach match (no multipart).
  if (h.has('if-none-match') || h.has('if-modified-since') || h.has('if-range')) return null;
  const rangeHeader = h.get('range');
  const specs = parseRange(rangeHeader);
  if (rangeHeader && specs?.length !== 1) return null;
  const ask = new Request(cacheKeyUrl(entry), specs ? { headers: { range: rangeHeader! } } : {});
  const hit = await cache.match(ask);
  if (!hit) return null;
  if (specs) {
    const cr = parseContentRange(hit.headers.get('content-range'));
    const plan = cr ? planRange(specs, cr.length) : null;
    const exact =
      hit.status === 206 && cr && plan?.kind === 'partial' && plan.range.start === cr.range.start && plan.range.end === cr.range.end;
    if (!exact) {
      await hit.body?.cancel();
      return null;
    }
  } else if (hit.status !== 200) {
    await hit.body?.cancel();
    return null;
  }
  const headers = new Headers(hit.headers);
  for (const k of STORE_ONLY) headers.delete(k);
  headers.set('cache-control', answer.cacheControl);
  for (const [k, v] of Object.entries(answer.headers ?? {})) headers.set(k, v);
  if (method === 'HEAD') {
    await hit.body?.cancel();
    return new Response(null, { status: hit.status, headers });
  }
  return new Response(hit.body, { status: hit.status, headers });
}

/**
 * Keeps a copy of a full 200 GET answer (the body is teed: the client's side
 * is returned, the other is stored in the background) and returns the answer
 * to send. Anything else is returned untouched.
 */
export function storeInEdgeCache(
  entry: EdgeCacheEntry,
  request: Request,
  res: Response,
  waitUntil: (p: Promise<unknown>) => void,
  cache = defaultCache(),
): Response {
  if (!cache || !edgeCacheable(entry.variant) || request.method !== 'GET' || res.status !== 200 || !res.body) return res;
  const length = Number(res.headers.get('content-length'));
  if (!Number.isFinite(length) || length > EDGE_CACHE_MAX_BYTES || res.headers.has('content-range')) return res;
  const [toClient, toCache] = res.body.tee();
  const stored = new Headers(res.headers);
  for (const k of STORE_ONLY) stored.delete(k);
  stored.set('cache-control', `public, max-age=${EDGE_CACHE_SECONDS}, s-maxage=${EDGE_CACHE_SECONDS}`);
  waitUntil(
    cache.put(cacheKeyUrl(entry), new Response(toCache, { status: 200, headers: stored })).catch((err: unknown) => {
      console.warn(JSON.stringify({ level: 'warn', msg: 'edge cache put failed', error: String(err) }));
    }),
  );
  return new Response(toClient, { status: res.status, headers: res.headers });
}

/** `c.executionCtx.waitUntil`, or (no execution context: `app.request` in tests) a promise the caller may ignore. */
export function waitUntilOf(getCtx: () => { waitUntil(p: Promise<unknown>): void }): (p: Promise<unknown>) => void {
  try {
    const ctx = getCtx();
    return (p) => ctx.waitUntil(p);
  } catch {
    return (p) => void p;
  }
}
