/**
 * What a browser may render inline, decided by what the bytes are. An
 * original's type is the one the pipeline sniffed (`assets.detected_type`),
 * never the type the uploader declared (stored with the object): declared
 * types are the uploader's word. Until the pipeline has sniffed it, an
 * original is of unknown type. Derivatives are written by our pipeline, so
 * the type stored with them is ours.
 *
 * Only a small allowlist of passive media is inline; everything else (HTML,
 * SVG, XML, PDF, text, unknown) is an attachment with a sandboxing CSP, so
 * stored bytes can never run as a page of this origin, and
 * `X-Content-Type-Options: nosniff` keeps the browser to the type we send.
 */

/** Images, audio and video every current browser renders itself. */
const NATIVE_MEDIA = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'audio/mpeg',
  'audio/mp4',
  'audio/x-m4a',
  'audio/aac',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
];

const ORIGINAL_INLINE = new Set(NATIVE_MEDIA);

/** Our own derivative files add playlists, segments and text tracks (storyboards, subtitles). */
const DERIVATIVE_INLINE = new Set([...NATIVE_MEDIA, 'application/vnd.apple.mpegurl', 'video/mp2t', 'video/iso.segment', 'text/vtt']);

/**
 * Types a page of this origin would run or apply as a subresource
 * (`<script src>`, a stylesheet, a worker) even from an attachment: never
 * sent, so an upload cannot serve as a same-origin script for a CSP of
 * `'self'`. Such bytes go out as octet-stream.
 */
const SUBRESOURCE_ACTIVE = /(java|ecma)script|^text\/(css|jscript|livescript)$|^application\/(wasm|xslt\+xml)$|^text\/xsl$/;

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

const OCTET = 'application/octet-stream';

/** The essence of a Content-Type (`type/subtype`, lower case), or octet-stream when it is not one. */
export function normaliseType(contentType: string | null | undefined): string {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (essence === 'application/x-mpegurl' || essence === 'audio/mpegurl' || essence === 'audio/x-mpegurl') {
    return 'application/vnd.apple.mpegurl';
  }
  return MIME.test(essence) ? essence : OCTET;
}

/** Whose bytes: an uploaded original (typed by sniffing) or one of our derivatives. */
export type Source = { kind: 'original'; detectedType: string | null } | { kind: 'derivative' };

/** The type sent for an object: the sniffed one for an original, the stored one for a derivative. */
export function typeToSend(source: Source, storedType: string | null | undefined): string {
  const type = normaliseType(source.kind === 'original' ? source.detectedType : storedType);
  return SUBRESOURCE_ACTIVE.test(type) ? OCTET : type;
}

export const isInlineType = (source: Source['kind'], type: string): boolean =>
  (source === 'original' ? ORIGINAL_INLINE : DERIVATIVE_INLINE).has(type);

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
  source: Source,
  storedType: string | null | undefined,
  opts: { download: boolean; filename: string },
): Record<string, string> {
  const type = typeToSend(source, storedType);
  const inline = isInlineType(source.kind, type) && !opts.download;
  const headers: Record<string, string> = {
    'content-type': type.startsWith('text/') ? `${type}; charset=utf-8` : type,
    'x-content-type-options': 'nosniff',
  };
  if (!inline) {
    headers['content-disposition'] = contentDisposition('attachment', opts.filename);
    headers['content-security-policy'] = SANDBOX_CSP;
  }
  return headers;
}
