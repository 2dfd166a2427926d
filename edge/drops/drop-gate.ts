/**
 * The one way an upload ("file drop") link is opened for uploading. After
 * the link gate (edge/access/link-gate.ts: token, row, password) it checks:
 *
 * | situation                                                        | answer        |
 * |------------------------------------------------------------------|---------------|
 * | the link takes no uploads (or is not a collection link)          | 403 forbidden |
 * | its collection is deleted, or its creator no longer holds manage | 410 gone      |
 *
 * The creator's right is asked of the one gate on every call that signs or
 * completes anything, so a creator who loses manage (grant revoked, left
 * the org) stops the link at once, in-flight multipart uploads included.
 * A drop link is never an asker for anything else: the access policy gives
 * a drop-only link no right (shared/policy/access.ts, `linkLevel`).
 */
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { collectionPermissionOf } from '../access/gate.ts';
import { linkGone, openUnlockedLink } from '../access/link-gate.ts';
import type { ShareLinkRecord } from '../access/share-link.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';

/** True while the link's creator may still manage the (live) collection it drops into. */
export async function creatorStillManages(db: Database, link: ShareLinkRecord, now: Date): Promise<boolean> {
  if (link.resourceType !== 'collection') return false;
  const { collection, permission } = await collectionPermissionOf(db, link.resourceId, { userId: link.createdBy }, now);
  return collection !== null && permission === 'manage';
}

/** The live, unlocked upload link behind `token`, whose creator may still manage its collection. */
export async function openDrop(c: Context<AppEnv>, token: string, now: Date): Promise<ShareLinkRecord> {
  const { link } = await openUnlockedLink(c, token, now);
  if (!link.allowUpload || link.resourceType !== 'collection') throw new AppError('forbidden', 'This link does not take uploads.');
  if (!(await creatorStillManages(c.get('services').db(), link, now))) throw linkGone();
  return link;
}

/** The declared type must be of the kinds the link takes (the pipeline checks the bytes' real type). */
export function requireKind(link: Pick<ShareLinkRecord, 'uploadKinds'>, contentType: string): void {
  const prefix = link.uploadKinds === 'images' ? 'image/' : link.uploadKinds === 'videos' ? 'video/' : '';
  if (!contentType.startsWith(prefix)) {
    throw new AppError('unsupported_media_type', `This link takes ${link.uploadKinds} only.`, { details: { kinds: link.uploadKinds } });
  }
}
