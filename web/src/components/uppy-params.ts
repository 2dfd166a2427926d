/**
 * Uppy's Companion client puts every allowed meta field in `GET /s3/params`
 * as `metadata[field]=String(value)`, set or not, so a file with no
 * collection would send `metadata[collectionId]=undefined`, which the edge
 * rightly refuses. A field the file does not have is left out instead, as
 * the JSON bodies of the multipart calls already leave it out.
 */
export function withoutUnsetMeta(url: string): string {
  const u = new URL(url);
  const unset = [...u.searchParams].filter(([k, v]) => k.startsWith('metadata[') && v === 'undefined').map(([k]) => k);
  if (!unset.length) return url;
  for (const k of unset) u.searchParams.delete(k);
  return u.href;
}
