/**
 * Validators for conditional requests (RFC 9110 §13): If-None-Match and
 * If-Modified-Since decide 304; If-Range decides whether a Range applies.
 * Evaluated by the edge from the stored object's ETag and Last-Modified, so
 * the answer does not depend on which conditionals a storage server honours.
 */

/** The opaque part of an entity tag and whether it is weak, or null if malformed. */
function parseEtag(tag: string): { opaque: string; weak: boolean } | null {
  const m = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/.exec(tag.trim());
  return m ? { opaque: m[2]!, weak: Boolean(m[1]) } : null;
}

/** Splits a list of entity tags (commas may not appear inside a tag). */
function etagList(header: string): string[] {
  return header
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** If-None-Match: weak comparison against the current tag; `*` matches any existing object. */
export function noneMatchHits(header: string, etag: string | null): boolean {
  if (header.trim() === '*') return true;
  const current = etag ? parseEtag(etag) : null;
  if (!current) return false;
  return etagList(header).some((t) => parseEtag(t)?.opaque === current.opaque);
}

/** Whole seconds, as HTTP dates carry. */
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** If-Modified-Since: true when the object has not changed since the date (only used without If-None-Match). */
export function notModifiedSince(header: string, lastModified: Date | null): boolean {
  const since = Date.parse(header);
  if (Number.isNaN(since) || !lastModified) return false;
  return seconds(lastModified) <= Math.floor(since / 1000);
}

/**
 * True when a request without conditionals, or whose conditionals say "not
 * modified", should get 304. If-None-Match takes precedence over
 * If-Modified-Since.
 */
export function isNotModified(headers: Headers, etag: string | null, lastModified: Date | null): boolean {
  const inm = headers.get('if-none-match');
  if (inm !== null) return noneMatchHits(inm, etag);
  const ims = headers.get('if-modified-since');
  return ims !== null && notModifiedSince(ims, lastModified);
}

/**
 * If-Range: the Range applies only when the validator still matches: an
 * entity tag by strong comparison (weak tags never match), or a date equal
 * to the object's Last-Modified. Absent header: the Range applies.
 */
export function ifRangeHolds(header: string | null, etag: string | null, lastModified: Date | null): boolean {
  if (header === null) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const want = parseEtag(value);
    const have = etag ? parseEtag(etag) : null;
    return Boolean(want && have && !want.weak && !have.weak && want.opaque === have.opaque);
  }
  const date = Date.parse(value);
  return !Number.isNaN(date) && lastModified !== null && seconds(lastModified) === Math.floor(date / 1000);
}
