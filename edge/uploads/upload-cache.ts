/**
 * The part-URL call is the hot one (one per part: 320 for a 5 GiB upload,
 * 1,024 for a stock Uppy's 5 MiB parts), and what it checks — this caller's
 * upload id and key, the declared size, the expiry — never changes for an
 * upload. So an isolate keeps the answer for active uploads a short while and
 * signs the next parts with crypto alone, no database round trip.
 *
 * A stale entry can only be one whose upload was completed or aborted since
 * (by another isolate; this one forgets it at once): a part URL signed for it
 * is refused by S3 itself (NoSuchUpload). Every other call (list, complete,
 * abort) reads the row.
 */
import type { UploadRecord } from './upload-store.ts';

const TTL_MS = 60_000;
const MAX_ENTRIES = 2_000;

const entries = new Map<string, { upload: UploadRecord; until: number }>();

const keyOf = (userId: string, uploadId: string, key: string) => `${userId}\u0000${uploadId}\u0000${key}`;

export function cachedUpload(userId: string, uploadId: string, key: string, now: number): UploadRecord | undefined {
  const k = keyOf(userId, uploadId, key);
  const hit = entries.get(k);
  if (!hit) return undefined;
  if (hit.until <= now) {
    entries.delete(k);
    return undefined;
  }
  return hit.upload;
}

/** Remembers an active upload (only active ones: the others are final and answered from the row). */
export function rememberUpload(userId: string, uploadId: string, upload: UploadRecord, now: number): void {
  if (upload.status !== 'active') return;
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  entries.set(keyOf(userId, uploadId, upload.key), { upload, until: now + TTL_MS });
}

export function forgetUpload(userId: string, uploadId: string, key: string): void {
  entries.delete(keyOf(userId, uploadId, key));
}
