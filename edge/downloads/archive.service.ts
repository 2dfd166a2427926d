/**
 * Which archive a request gets, decided with the one gate
 * (edge/access/gate.ts) and the policy's SQL twin (./archive-items.ts):
 *
 * - a signed-in user's collection: view on the collection (404/403 as the
 *   gate says), then every live item they may view; those they may not
 *   download are named in the manifest, never included;
 * - a user's selection: the assets named that they may view, likewise; ids
 *   they cannot see are listed by id only;
 * - a collection link: the gate decides the link still reaches its
 *   collection (410 otherwise), the link must allow downloads with some left
 *   (403), and the items it reaches all carry its level.
 *
 * An archive with no file in it is refused (403): a view-only path yields no
 * bytes of any original.
 */
import type { Database } from '../../shared/db/database.ts';
import { includes, linkLevel } from '../../shared/policy/access.ts';
import type { ZipContents } from '../../shared/tokens/index.ts';
import { collectionPermissionOf, requireCollectionPermission } from '../access/gate.ts';
import type { ShareLinkRecord } from '../access/share-link.ts';
import { AppError } from '../errors.ts';
import { collectionItemsForLink, collectionItemsForUser, selectionForUser } from './archive-items.ts';
import { planArchive, type ArchivePlan } from './archive-plan.ts';

export interface Archive {
  plan: ArchivePlan;
  /** The name offered for the .zip file. */
  filename: string;
}

export interface ArchiveOptions {
  variant: string;
  forceZip64: boolean;
}

const nothing = () => new AppError('forbidden', 'There is nothing here you may download.');

function refuseEmpty(plan: ArchivePlan): ArchivePlan {
  if (plan.files.length === 0) throw nothing();
  return plan;
}

/** A signed-in user's archive of a collection or a selection. */
export async function userArchive(db: Database, userId: string, contents: ZipContents, o: ArchiveOptions, now: Date): Promise<Archive> {
  if ('collectionId' in contents) {
    const { collection } = await requireCollectionPermission(db, contents.collectionId, { userId }, 'view', now);
    const items = await collectionItemsForUser(db, collection.id, userId, now);
    const plan = await planArchive(db, {
      title: collection.name,
      items,
      variant: o.variant,
      downloadsLeft: null,
      forceZip64: o.forceZip64,
    });
    return { plan: refuseEmpty(plan), filename: `${collection.name}.zip` };
  }
  const ids = [...new Set(contents.assetIds)];
  const items = await selectionForUser(db, ids, userId, now);
  const seen = new Set(items.map((i) => i.assetId));
  const title = `${ids.length} selected asset${ids.length === 1 ? '' : 's'}`;
  const plan = await planArchive(db, {
    title,
    items,
    unseen: ids.filter((id) => !seen.has(id)),
    variant: o.variant,
    downloadsLeft: null,
    forceZip64: o.forceZip64,
  });
  return { plan: refuseEmpty(plan), filename: 'selection.zip' };
}

/** A collection link's archive; `downloadsLeft` caps the files (null: all it reaches). */
export async function linkArchive(
  db: Database,
  link: ShareLinkRecord,
  o: ArchiveOptions & { downloadsLeft: number | null },
  now: Date,
): Promise<Archive> {
  if (link.resourceType !== 'collection') {
    throw new AppError('not_found', 'Only a collection link downloads as a ZIP; this link serves its file at original.');
  }
  const { collection, permission } = await collectionPermissionOf(db, link.resourceId, { userId: null, link }, now);
  if (!collection || permission === null) throw new AppError('gone', 'The shared item is no longer available.');
  if (!includes(linkLevel(link, now), 'download')) {
    const capped = includes(link.permission, 'download') && link.allowDownload;
    throw new AppError('forbidden', capped ? 'This link has reached its download limit.' : 'This link does not allow downloads.');
  }
  const items = await collectionItemsForLink(db, collection.id, true, now);
  const plan = await planArchive(db, {
    title: collection.name,
    items,
    variant: o.variant,
    downloadsLeft: o.downloadsLeft,
    forceZip64: o.forceZip64,
  });
  return { plan: refuseEmpty(plan), filename: `${collection.name}.zip` };
}
