/**
 * An original is served only as the pipeline checked it. Ingest records the
 * ETag of the bytes it sniffed, sized, hashed and scanned
 * (`assets.ingested_etag`); a later version of `{assetId}/original` — a
 * replayed POST form, a write with the bucket owner's credentials — carries
 * another ETag, and its bytes were never checked. Until the pipeline has
 * blocked the asset for it (origin/pipeline/ingest-original.ts), the media
 * routes refuse such an answer here, from the ETag storage itself sent with
 * the bytes about to be streamed.
 *
 * Only `original` pays for this (one indexed read, also on the `?t=` token
 * path, which otherwise needs no database): derivatives are written by the
 * pipeline alone, from checked bytes. An asset ingested before the column
 * existed has no recorded ETag and is served as before.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets } from '../../shared/db/schema.ts';
import { bareEtag } from '../../shared/storage/etag.ts';
import { AppError } from '../errors.ts';

/** Passes `res` through unless it is an original the pipeline did not check; then its body is dropped and 403 thrown. */
export async function guardOriginal(db: Database, assetId: string, variant: string, res: Response): Promise<Response> {
  if (variant !== 'original') return res;
  const [row] = await db
    .select({ status: assets.status, ingestedEtag: assets.ingestedEtag })
    .from(assets)
    .where(eq(assets.id, assetId))
    .limit(1);
  const refuse = async (error: AppError): Promise<never> => {
    await res.body?.cancel();
    throw error;
  };
  if (!row) return refuse(new AppError('not_found', 'No such media.'));
  if (row.status === 'blocked') return refuse(new AppError('forbidden', 'This file is blocked.'));
  if (row.ingestedEtag !== null && bareEtag(res.headers.get('etag')) !== bareEtag(row.ingestedEtag)) {
    return refuse(new AppError('forbidden', 'The stored original changed after it was checked; it is not served.'));
  }
  return res;
}
