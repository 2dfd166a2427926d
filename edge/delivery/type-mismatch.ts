/**
 * Whether the type an uploader declared differs from what the pipeline found
 * in the bytes, for showing to the owner: the edge serves by the detected
 * type (content-policy.ts), so a mismatch explains why a `.jpg` downloads
 * instead of showing. Spelling variants of one type are not a mismatch, and
 * a declared "don't know" (octet-stream, empty) is not a claim to contradict.
 */
import { normaliseType } from './content-policy.ts';

/** Other spellings of one type, as browsers and tools declare them. */
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'audio/mp3': 'audio/mpeg',
  'audio/x-mpeg': 'audio/mpeg',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/x-m4a': 'audio/mp4',
  'audio/m4a': 'audio/mp4',
  'video/x-m4v': 'video/mp4',
  'video/x-matroska': 'video/matroska',
  'video/avi': 'video/vnd.avi',
  'video/x-msvideo': 'video/vnd.avi',
  'application/x-pdf': 'application/pdf',
  'application/x-zip-compressed': 'application/zip',
  'text/xml': 'application/xml',
};

const canonical = (type: string) => {
  const t = normaliseType(type);
  return ALIASES[t] ?? t;
};

const UNKNOWN = new Set(['application/octet-stream', 'binary/octet-stream', 'application/unknown']);

export interface TypeMismatch {
  declared: string;
  detected: string;
}

/** The two types when they disagree; null when they agree, or either is unknown. */
export function typeMismatch(declared: string | null, detected: string | null): TypeMismatch | null {
  if (!declared || !detected) return null;
  const d = canonical(declared);
  if (UNKNOWN.has(d)) return null;
  return d === canonical(detected) ? null : { declared, detected };
}
