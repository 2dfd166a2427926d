/**
 * Helpers for the upload-link ("file drop") suites: a collection, an upload
 * link made through the managers' API, and calls a link holder makes (no
 * account, a client address of their own unless told).
 */
import { eq } from 'drizzle-orm';
import { collectionItems, collections, linkUploads, shareLinks } from '../../../shared/db/schema.ts';
import { api, json, type ApiOptions } from './uploads.ts';
import { withDb } from './fixtures.ts';

export async function makeCollection(ownerId: string, name = 'Wedding'): Promise<string> {
  const [row] = await withDb((db) => db.insert(collections).values({ ownerId, name }).returning({ id: collections.id }));
  return row!.id;
}

export interface DropLink {
  id: string;
  token: string;
  upload: Record<string, unknown> | null;
}

/** `POST /api/share-links` as `userId` for the collection, with `upload` settings (and other link fields). */
export async function makeDropLink(
  userId: string,
  collectionId: string,
  upload: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  const res = await api('/api/share-links', userId, {
    json: { resourceType: 'collection', resourceId: collectionId, upload, ...extra },
  });
  return json<DropLink>(res, 201);
}

/** A call as a link holder (anonymous). */
export const holder = (path: string, o: ApiOptions = {}) => api(path, undefined, o);

export const fileMeta = (size: number, more: Record<string, unknown> = {}) => ({ size, uploaderName: 'Guest', ...more });

/** `POST /s/:token/s3/multipart` as Uppy sends it. */
export const startDrop = (
  token: string,
  size: number,
  more: Record<string, unknown> = {},
  type = 'image/jpeg',
  headers: Record<string, string> = {},
) => holder(`/s/${token}/s3/multipart`, { json: { filename: 'photo.jpg', type, metadata: fileMeta(size, more) }, headers });

export const putDrop = (token: string, size: number, more: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  holder(`/api/share/${token}/uploads`, {
    json: { filename: 'photo.jpg', size, contentType: 'image/jpeg', uploaderName: 'Guest', ...more },
    headers,
  });

export function linkCounters(linkId: string) {
  return withDb(async (db) => {
    const [row] = await db
      .select({ files: shareLinks.uploadFiles, bytes: shareLinks.uploadBytes })
      .from(shareLinks)
      .where(eq(shareLinks.id, linkId));
    return row!;
  });
}

export function dropRows(assetId: string) {
  return withDb(async (db) => {
    const [stamp] = await db.select().from(linkUploads).where(eq(linkUploads.assetId, assetId));
    const items = await db.select().from(collectionItems).where(eq(collectionItems.assetId, assetId));
    return { stamp, items };
  });
}
