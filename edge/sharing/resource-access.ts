/**
 * "May this caller manage this asset or collection?" for the sharing routes:
 * the one access gate (edge/access/gate.ts) with the caller as asker. A
 * resource the caller cannot even see answers 404 (its existence is not
 * revealed); one they see without the needed permission answers 403.
 */
import type { Database } from '../../shared/db/database.ts';
import type { Permission } from '../../shared/policy/access.ts';
import { requireResourcePermission, type AccessibleResource, type ResourceRef } from '../access/gate.ts';
import { AppError } from '../errors.ts';

export type { AccessibleResource, ResourceRef, ResourceType } from '../access/gate.ts';

/**
 * The resource, when the caller holds `need` on it.
 * @throws 404 when it does not exist or the caller cannot see it; 403 when they see it without `need`.
 */
export const requireResource = (
  db: Database,
  userId: string,
  ref: ResourceRef,
  need: Permission,
  now = new Date(),
): Promise<AccessibleResource> => requireResourcePermission(db, ref, { userId }, need, now);

/** Refuses sharing a resource that is in the trash (only its owner still sees it there). */
export function requireLive(resource: AccessibleResource): void {
  if (resource.deletedAt !== null) {
    throw new AppError('conflict', `This ${resource.type} is in the trash; restore it before sharing it.`);
  }
}
