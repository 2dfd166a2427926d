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

/** What an operation needs beyond view, and its name for the 403 message. */
export interface Need {
  need: Permission;
  for: string;
}

/**
 * The caller's permission on an asset they may at least view (the access
 * gate, edge/access/gate.ts), and with `need` at least that. @throws 404 / 403.
 */
export async function assetAccess(db: Database, assetId: string, userId: string | null, now: Date, need?: Need) {
  const access = await requireAssetPermission(db, assetId, { userId }, 'view', now);
  if (need) requirePermission(access.permission, need.need, need.for);
  return access;
}

/**
 * The caller's permission on a live collection they may at least view. A
 * deleted collection is gone for everyone here, its owner included: there
 * is no collection trash.
 */
export async function collectionAccess(db: Database, collectionId: string, userId: string | null, now: Date, need?: Need) {
  const access = await requireCollectionPermission(db, collectionId, { userId }, 'view', now);
  if (need) requirePermission(access.permission, need.need, need.for);
  return access;
}

/** @throws 403 when `have` does not include `need`. */
export function requirePermission(have: Permission, need: Permission, what: string): void {
  if (!includes(have, need)) throw new AppError('forbidden', `${what} needs the ${need} permission.`);
}
