/**
 * The real type of an original, from its bytes only: the declared content type
 * and the file name are never consulted. Binary formats come from file-type's
 * magic numbers; text formats (SVG, XML, HTML, plain text), which have none,
 * from our own look at the first bytes; TIFF-structured camera RAWs from their
 * IFD0 (raw-type.ts: file-type would call a TIFF with a PrintIM tag ARW).
 * `endMarker` checks the last bytes for
 * the format's terminator, so truncation can be told from other damage.
 */
import { fileTypeFromBuffer } from 'file-type';
import type { IconCategory } from '../../shared/profiles/image.ts';
import { rawType } from './raw-type.ts';

/** How much of the start of a file `sniff` wants (file-type needs ~4 KB; text checks use more). */
export const SNIFF_BYTES = 64 * 1024;
/** How much of the end of a file `endMarker` wants. */
export const TAIL_BYTES = 1024;

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'other';

export interface Sniffed {
  /** The detected media type, e.g. `image/jpeg`, `application/octet-stream`. */
  mime: string;
  kind: MediaKind;
  /** Which type icon suits it. */
  category: IconCategory;
}

const ARCHIVES = new Set([
  'application/zip',
  'application/gzip',
  'application/x-tar',
  'application/x-7z-compressed',
  'application/x-rar-compressed',
  'application/vnd.rar',
  'application/x-bzip2',
  'application/x-xz',
  'application/zstd',
  'application/x-lzip',
  'application/x-cpio',
  'application/x-compress',
]);
const DOCUMENTS =
  /^application\/(msword|vnd\.openxmlformats-officedocument\.|vnd\.oasis\.opendocument\.|vnd\.ms-|rtf|epub\+zip|x-mobipocket)/;

/** Classifies the first bytes of a file (at most SNIFF_BYTES are looked at). */
export async function sniff(head: Uint8Array): Promise<Sniffed> {
  const sample = head.subarray(0, SNIFF_BYTES);
  if (sample.length === 0) return { mime: 'application/x-empty', kind: 'other', category: 'other' };
  const tiff = rawType(sample);
  if (tiff) return classify(tiff);
  const found = await fileTypeFromBuffer(sample);
  // file-type calls anything starting with `<?xml` XML; SVG and XHTML are XML too.
  const mime = !found || found.mime === 'application/xml' ? (textType(sample, head.length > SNIFF_BYTES) ?? found?.mime) : found.mime;
  return classify(mime ?? 'application/octet-stream');
}

export function classify(mime: string): Sniffed {
  const [top] = mime.split('/');
  if (mime === 'application/pdf') return { mime, kind: 'document', category: 'document' };
  if (top === 'image') return { mime, kind: 'image', category: 'image' };
  if (top === 'video') return { mime, kind: 'video', category: 'video' };
  if (top === 'audio') return { mime, kind: 'audio', category: 'audio' };
  if (ARCHIVES.has(mime)) return { mime, kind: 'other', category: 'archive' };
  if (DOCUMENTS.test(mime)) return { mime, kind: 'other', category: 'document' };
  if (top === 'text' || mime === 'application/xml' || mime === 'application/json') {
    return { mime, kind: 'other', category: 'text' };
  }
  return { mime, kind: 'other', category: 'other' };
}

const PROLOG = /^(?:\s+|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!doctype\s[^[>]*(?:\[[\s\S]*?\])?\s*>)*/i;

/**
 * The type of a text file, or undefined when the bytes are not text. `cut`
 * says the sample stops mid-file, so a multi-byte character may be split at
 * its end.
 */
function textType(sample: Uint8Array, cut: boolean): string | undefined {
  let bytes = sample;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  let text: string;
  try {
    // `stream` keeps a character split by the cut pending instead of failing on it.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: cut });
  } catch {
    return undefined;
  }
  // NUL and other C0 controls (but tab, LF, FF, CR, ESC) mean binary.
  if (/[\u0000-\u0008\u000b\u000e-\u001a\u001c-\u001f]/.test(text)) return undefined;
  const afterProlog = text.slice(PROLOG.exec(text)?.[0].length ?? 0);
  const root = /^<([a-z][\w.-]*:)?([a-z][\w.-]*)/i.exec(afterProlog)?.[2]?.toLowerCase();
  if (root === 'svg') return 'image/svg+xml';
  if (root === 'html' || /^\s*<!doctype\s+html/i.test(text)) return 'text/html';
  // Browsers sniff HTML from these tags anywhere near the start; so do we.
  if (/<(script|iframe|html|body|head|object|embed)[\s>/]/i.test(text.slice(0, 1024))) return 'text/html';
  if (/^\s*<\?xml/i.test(text) || root) return 'application/xml';
  return 'text/plain';
}

/**
 * Whether the file ends with its format's end marker: `present`, `missing`
 * (the file was probably cut short), or `unknown` for formats without one.
 */
export function endMarker(mime: string, tail: Uint8Array): 'present' | 'missing' | 'unknown' {
  const end = trimTrailing(tail);
  switch (mime) {
    case 'image/jpeg':
      return endsWith(end, [0xff, 0xd9]) ? 'present' : 'missing';
    case 'image/png':
      // The IEND chunk: length 0, type IEND, its fixed CRC.
      return endsWith(end, [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]) ? 'present' : 'missing';
    case 'image/gif':
      return endsWith(end, [0x3b]) ? 'present' : 'missing';
    case 'application/pdf':
      // Readers accept `%%EOF` anywhere in the last kilobyte.
      return Buffer.from(tail).includes('%%EOF') ? 'present' : 'missing';
    default:
      return 'unknown';
  }
}

/** Drops the NUL and whitespace padding some writers append after the end marker. */
function trimTrailing(b: Uint8Array): Uint8Array {
  let n = b.length;
  while (n > 0 && (b[n - 1] === 0 || b[n - 1] === 0x0a || b[n - 1] === 0x0d || b[n - 1] === 0x20)) n--;
  return b.subarray(0, n);
}

function endsWith(b: Uint8Array, suffix: number[]): boolean {
  if (b.length < suffix.length) return false;
  return suffix.every((v, i) => b[b.length - suffix.length + i] === v);
}
