/**
 * Is the stored original still the one ingest checked? Asked when a storage
 * event arrives for an asset whose ingest already ended. A presigned PUT and
 * a multipart complete can only create (`If-None-Match: *`), but S3 has no
 * such condition for a POST form, and anyone with the bucket owner's
 * credentials can write a new version: either way the new bytes skipped the
 * sniffing, the size and checksum checks and the scan. The event is not
 * "already done" then; the caller blocks the asset.
 *
 * Same object = same ETag and, where both sides know one (a versioned
 * bucket: AWS's events and HEAD carry it; the local server keeps no
 * versions), the same version id. The version id matters: two bodies can be
 * made to share an MD5, which is what a single-part ETag is.
 */
import { bareEtag } from '../../shared/storage/etag.ts';
import type { PipelineDeps } from '../core/deps.ts';
import type { ObjectVersion } from './ingest-store.ts';

export interface SeenObject {
  etag?: string | null | undefined;
  versionId?: string | null | undefined;
}

export function sameObject(checked: ObjectVersion, seen: SeenObject): boolean {
  if (!seen.etag || bareEtag(checked.etag) !== bareEtag(seen.etag)) return false;
  return !checked.versionId || !seen.versionId || checked.versionId === seen.versionId;
}

/** What the asset's `status_reason` says; the ETags and versions go to the log only (an MD5 of the bytes is not for viewers). */
export const REPLACED_REASON = 'original_replaced: the stored original is not the one ingest checked';

/**
 * The object stored now, when it is not the one checked; null when it is:
 * the event is a redelivery for it, or a stale event for a version no longer
 * current, or the object is gone. Null too when nothing was recorded (an
 * asset ingested before ETags were kept): there is nothing to compare with.
 */
export async function replacedSinceIngest(
  deps: Pick<PipelineDeps, 'storage' | 'buckets'>,
  key: string,
  checked: ObjectVersion | null,
  event: SeenObject,
): Promise<ObjectVersion | null> {
  if (!checked || sameObject(checked, event)) return null;
  // The event may be older than what was checked; what matters is what a reader gets now.
  const current = await deps.storage.head(deps.buckets.raw, key);
  if (!current) return null;
  const now = { etag: bareEtag(current.etag), versionId: current.versionId ?? null };
  return sameObject(checked, now) ? null : now;
}
