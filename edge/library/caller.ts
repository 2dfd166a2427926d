/**
 * Who is asking, and their permission on one asset or collection, through
 * the one access gate (edge/access/gate.ts): no permission at all answers
 * 404, so a private resource is not revealed; a permission too low for the
 * operation answers 403.
 */
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { includes, type Permission } from '../../shared/policy/access.ts';
import { requireAssetPermission, requireCollectionPermission } from '../access/gate.ts';
import { currentUser, optionalUser } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import type { Signer } from './media-urls.ts';

export const assetNotFound = () => new AppError('not_found', 'No such asset.');
export const collectionNotFound = () => new AppError('not_found', 'No such collection.');

/** The signed-in caller's id (routes behind `requireUser()`); the verifier already refused a `sub` that is not a UUID. */
export const callerId = (c: Context<AppEnv>): string => currentUser(c).id;

/** The caller's id, or null for an anonymous caller; a bad credential is still a 401. */
export async function optionalCallerId(c: Context<AppEnv>): Promise<string | null> {
  return (await optionalUser(c))?.id ?? null;
}

/** The media URL signer of this request. */
export async function signerFor(c: Context<AppEnv>, now: Date): Promise<Signer> {
  const { keys, tokenParty } = c.get('services');
  return { keys: await keys(), party: tokenParty, now };
}

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
