/**
 * "May this caller manage this asset or collection?" for the sharing routes,
 * decided by the one access policy (shared/policy/access.ts) over the facts
 * edge/access loads. A resource the caller cannot even see answers 404 (its
 * existence is not revealed); one they see without the needed permission
 * answers 403.
 */
import type { Database } from '../../shared/db/database.ts';
import { assetPermission, includes, type Permission } from '../../shared/policy/access.ts';
import { loadAsset, loadCallerAccess } from '../access/asset-access.ts';
import { collectionPermissionFor } from '../access/collection-access.ts';
import { AppError } from '../errors.ts';

export type ResourceType = 'asset' | 'collection';

export interface ResourceRef {
  type: ResourceType;
  id: string;
}

export interface AccessibleResource extends ResourceRef {
  ownerId: string;
  deletedAt: Date | null;
  /** The caller's permission on it (never null here). */
  permission: Permission;
}

const noSuch = (type: ResourceType) => new AppError('not_found', `No such ${type}.`);

/** The caller's permission on the resource, or null when it does not exist or they have none. */
export async function resourcePermission(
  db: Database,
  userId: string,
  ref: ResourceRef,
  now: Date,
): Promise<{ ownerId: string; deletedAt: Date | null; permission: Permission | null } | null> {
  if (ref.type === 'asset') {
    const asset = await loadAsset(db, ref.id);
    if (!asset) return null;
    const access = await loadCallerAccess(db, userId, asset, now);
    return { ownerId: asset.ownerId, deletedAt: asset.deletedAt, permission: assetPermission({ asset, ...access, now }) };
  }
  const { collection, permission } = await collectionPermissionFor(db, ref.id, userId, now);
  if (!collection) return null;
  return { ownerId: collection.ownerId, deletedAt: collection.deletedAt, permission };
}

/**
 * The resource, when the caller holds `need` on it.
 * @throws 404 when it does not exist or the caller cannot see it; 403 when they see it without `need`.
 */
export async function requireResource(
  db: Database,
  userId: string,
  ref: ResourceRef,
  need: Permission,
  now = new Date(),
): Promise<AccessibleResource> {
  const found = await resourcePermission(db, userId, ref, now);
  if (!found || found.permission === null) throw noSuch(ref.type);
  if (!includes(found.permission, need)) {
    throw new AppError('forbidden', `You need the ${need} permission on this ${ref.type}.`);
  }
  return { ...ref, ownerId: found.ownerId, deletedAt: found.deletedAt, permission: found.permission };
}

/** Refuses sharing a resource that is in the trash (only its owner still sees it there). */
export function requireLive(resource: AccessibleResource): void {
  if (resource.deletedAt !== null) {
    throw new AppError('conflict', `This ${resource.type} is in the trash; restore it before sharing it.`);
  }
}
