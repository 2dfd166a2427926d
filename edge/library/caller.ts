/**
 * The caller's permission on one asset or collection, through the one access
 * gate (edge/access/gate.ts): no permission at all answers
 * 404, so a private resource is not revealed; a permission too low for the
 * operation answers 403.
 */
import type { Database } from '../../shared/db/database.ts';
import { includes, type Permission } from '../../shared/policy/access.ts';
import { requireAssetPermission, requireCollectionPermission } from '../access/gate.ts';
import { AppError } from '../errors.ts';

export const assetNotFound = () => new AppError('not_found', 'No such asset.');
export const collectionNotFound = () => new AppError('not_found', 'No such collection.');

/** The caller's permission on an asset they may at least view (the access gate, edge/access/gate.ts). */
export const assetAccess = (db: Database, assetId: string, userId: string | null, now: Date) =>
  requireAssetPermission(db, assetId, { userId }, 'view', now);

/**
 * The caller's permission on a live collection they may at least view. A
 * deleted collection is gone for everyone here, its owner included: there
 * is no collection trash.
 */
export const collectionAccess = (db: Database, collectionId: string, userId: string | null, now: Date) =>
  requireCollectionPermission(db, collectionId, { userId }, 'view', now);

/** @throws 403 when `have` does not include `need`. */
export function requirePermission(have: Permission, need: Permission, what: string): void {
  if (!includes(have, need)) throw new AppError('forbidden', `${what} needs the ${need} permission.`);
}
