/**
 * Cache-Control for media answers, chosen so that a change of mind (the
 * owner makes an asset private, deletes it, revokes a grant or a link)
 * reaches every cache within a stated bound (docs/architecture.md, "Media
 * delivery"). The edge itself decides afresh on every request.
 *
 * - Public derivatives: a browser may reuse a copy for 5 minutes, a shared
 *   cache for 60 seconds; `must-revalidate` forbids serving them stale
 *   (a client's `max-stale`, a disconnected cache). After that, the cache
 *   asks again and the edge answers 404 instead of 304.
 * - Bearer and share-link answers: `private, no-cache` (revalidated every
 *   time, never in a shared cache).
 * - Signed-URL answers: private, no longer than the token lives.
 *
 * A versioned URL with a year-long life would not bound anything: a cache
 * holding a copy does not ask again while it is fresh, whatever the URL.
 */

/** Browser seconds and shared-cache seconds for public derivatives. */
export const PUBLIC_MAX_AGE = 300;
export const PUBLIC_SHARED_MAX_AGE = 60;

export const PUBLIC_MEDIA = `public, max-age=${PUBLIC_MAX_AGE}, s-maxage=${PUBLIC_SHARED_MAX_AGE}, must-revalidate`;

/** Private answers may be reused by this browser only, after revalidating. */
export const PRIVATE_REVALIDATE = 'private, no-cache';

/** The longest a signed-URL answer is kept, whatever the token says. */
const TOKEN_CACHE_CAP = 3600;

/** Cache lifetime of an answer authorised by a token: never beyond the token. */
export const untilExpiry = (expiresAt: Date, now = Date.now()) =>
  `private, max-age=${Math.max(0, Math.min(TOKEN_CACHE_CAP, Math.floor((expiresAt.getTime() - now) / 1000)))}`;
