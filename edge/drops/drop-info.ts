/**
 * What `GET /api/share/:token` tells a holder about uploading: the link's
 * rules and the Companion endpoint for Uppy, plus the collection's name (so
 * a guest knows where the files go) — never its items, their names or their
 * count, nor how many files others dropped. A drop-only link answers this
 * alone; a link that also views adds it to the usual collection page.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { collections } from '../../shared/db/schema.ts';
import type { ShareLinkRecord } from '../access/share-link.ts';
import { AppError } from '../errors.ts';
import { creatorStillManages } from './drop-gate.ts';
import type { z } from '@hono/zod-openapi';
import type { dropInfoSchema } from './schemas.ts';

export type DropInfo = z.infer<typeof dropInfoSchema>;

const gone = () => new AppError('gone', 'The shared item is no longer available.');

/** null for a link that takes no uploads (or no longer may: its creator lost manage); @throws 410 for such a drop-only link. */
export async function dropInfo(db: Database, link: ShareLinkRecord, token: string, now: Date): Promise<DropInfo> {
  if (!link.allowUpload || link.resourceType !== 'collection') return null;
  if (!(await creatorStillManages(db, link, now))) {
    if (link.dropOnly) throw gone();
    return null;
  }
  const [col] = await db.select({ name: collections.name }).from(collections).where(eq(collections.id, link.resourceId)).limit(1);
  if (!col) throw gone();
  return {
    dropOnly: link.dropOnly,
    kinds: link.uploadKinds,
    maxFileSize: link.maxUploadFileSize,
    maxFiles: link.maxUploadFiles,
    maxBytes: link.maxUploadBytes,
    endpoint: `/s/${token}`,
    collectionName: col.name,
  };
}
