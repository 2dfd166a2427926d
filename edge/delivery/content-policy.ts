/**
 * What a browser may render inline. Only passive media types (raster images,
 * audio, video, HLS, plain text) are served inline; everything else (HTML,
 * SVG, XML, PDF, scripts, unknown and octet-stream) is an attachment with a
 * sandboxing CSP, so stored bytes can never run as a page of this origin.
 * `X-Content-Type-Options: nosniff` keeps the browser to the type we send.
 */

const INLINE = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'video/mp4',
  'video/webm',
  'video/mp2t',
  'video/quicktime',
  'audio/mpeg',
  'audio/mp4',
  'audio/aac',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
  'audio/flac',
  'application/vnd.apple.mpegurl',
  'text/plain',
]);

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** The essence of a Content-Type (`type/subtype`, lower case), or octet-stream when it is not one. */
export function normaliseType(contentType: string | null | undefined): string {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (essence === 'application/x-mpegurl') return 'application/vnd.apple.mpegurl';
  return MIME.test(essence) ? essence : 'application/octet-stream';
}

export const isInlineType = (type: string): boolean => INLINE.has(type);

/** CSP for attachments: no scripts, no plugins, no same-origin, nothing loaded. */
export const SANDBOX_CSP = "sandbox; default-src 'none'";

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const clean = filename.replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 200) || 'download';
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_').replace(/["%;]/g, '_');
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Headers that decide how the browser treats the body. */
export function presentationHeaders(
  contentType: string | null | undefined,
  opts: { download: boolean; filename: string },
): Record<string, string> {
  const type = normaliseType(contentType);
  const inline = isInlineType(type) && !opts.download;
  const headers: Record<string, string> = {
    'content-type': type === 'text/plain' ? 'text/plain; charset=utf-8' : type,
    'x-content-type-options': 'nosniff',
  };
  if (!inline) {
    headers['content-disposition'] = contentDisposition('attachment', opts.filename);
    headers['content-security-policy'] = SANDBOX_CSP;
  }
  return headers;
}
