/**
 * Entry names an unzip tool cannot be tricked by and a file system accepts:
 * one path segment (no `/` or `\`, so no directories, no absolute paths and
 * no `..` traversal), no control characters, no characters Windows refuses
 * (`<>:"|?*`), no leading or trailing dots and spaces, NFC, at most 200
 * UTF-8 bytes (the extension kept). Names are unique ignoring case (macOS
 * and Windows fold it): a repeat becomes `name (2).ext`, `name (3).ext`, …
 * `MANIFEST.txt` is reserved for the archive's own manifest.
 */

export const MANIFEST_NAME = 'MANIFEST.txt';
const MAX_BYTES = 200;
const encoder = new TextEncoder();

const UNSAFE = /[\u0000-\u001f\u007f-\u009f/\\<>:"|?*]/g;

function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  // An extension is short and plain; `archive.tar.gz` keeps `.gz`, `.bashrc` has none.
  if (dot <= 0 || name.length - dot > 16 || !/^\.[\p{L}\p{N}_-]+$/u.test(name.slice(dot))) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function cutBytes(s: string, max: number): string {
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = encoder.encode(ch).length;
    if (used + n > max) break;
    out += ch;
    used += n;
  }
  return out;
}

/** One safe segment for `raw` (an uploaded file name); `fallback` when nothing safe is left. */
export function safeName(raw: string, fallback = 'file'): string {
  // A path becomes its meaningful segments joined by `_`: `../../etc/passwd` is `etc_passwd`.
  let name = raw
    .normalize('NFC')
    .split(/[/\\]+/)
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .join('_')
    .replace(UNSAFE, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  if (name === '' || /^_*$/.test(name)) name = fallback;
  const [stem, ext] = splitExtension(name);
  if (encoder.encode(name).length > MAX_BYTES) name = cutBytes(stem, MAX_BYTES - encoder.encode(ext).length) + ext;
  return name;
}

/** Gives out unique names, case-insensitively, with ` (2)`, ` (3)`, … before the extension. */
export class UniqueNames {
  private readonly taken = new Set<string>([MANIFEST_NAME.toLowerCase()]);

  take(raw: string, fallback?: string): string {
    const name = safeName(raw, fallback);
    const [stem, ext] = splitExtension(name);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? name : `${cutBytes(stem, MAX_BYTES - 12 - encoder.encode(ext).length)} (${n})${ext}`;
      const key = candidate.toLowerCase();
      if (!this.taken.has(key)) {
        this.taken.add(key);
        return candidate;
      }
    }
  }
}
