/**
 * The caller's permission on one asset or collection, asked of the one access
 * policy (shared/policy/access.ts) with the facts edge/access loads. No
 * permission at all answers 404, so a private resource is not revealed;
 * a permission too low for the operation answers 403.
 */
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { assetPermission, includes, type Permission } from '../../shared/policy/access.ts';
import { loadAsset, loadCallerAccess, type AssetRecord } from '../access/asset-access.ts';
import { collectionPermissionFor } from '../access/collection-access.ts';
import { currentUser, optionalUser, unauthorized } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import type { Signer } from './media-urls.ts';

export const assetNotFound = () => new AppError('not_found', 'No such asset.');
export const collectionNotFound = () => new AppError('not_found', 'No such collection.');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Every id this edge signs is a users.id; anything else would only fail later as an SQL cast error.
const checked = (id: string) => {
  if (!UUID.test(id)) throw unauthorized(true);
  return id;
};

/** The signed-in caller's id (routes behind `requireUser()`). */
export const callerId = (c: Context<AppEnv>): string => checked(currentUser(c).id);

/** The caller's id, or null for an anonymous caller; a bad credential is still a 401. */
export async function optionalCallerId(c: Context<AppEnv>): Promise<string | null> {
  const user = await optionalUser(c);
  return user ? checked(user.id) : null;
}

/** The media URL signer of this request. */
export async function signerFor(c: Context<AppEnv>, now: Date): Promise<Signer> {
  const { keys, tokenParty } = c.get('services');
  return { keys: await keys(), party: tokenParty, now };
}

export async function assetAccess(
  db: Database,
  assetId: string,
  userId: string | null,
  now: Date,
): Promise<{ asset: AssetRecord; permission: Permission }> {
  const asset = await loadAsset(db, assetId);
  if (!asset) throw assetNotFound();
  const access = userId ? await loadCallerAccess(db, userId, asset, now) : { caller: null, grants: [] };
  const permission = assetPermission({ asset, ...access, now });
  if (permission === null) throw assetNotFound();
  return { asset, permission };
}

/**
 * The caller's permission on a live collection. A deleted collection is gone
 * for everyone here, its owner included: there is no collection trash.
 */
export async function collectionAccess(db: Database, collectionId: string, userId: string | null, now: Date) {
  const { collection, permission } = await collectionPermissionFor(db, collectionId, userId, now);
  if (!collection || collection.deletedAt !== null || permission === null) throw collectionNotFound();
  return { collection, permission };
}

/** @throws 403 when `have` does not include `need`. */
export function requirePermission(have: Permission, need: Permission, what: string): void {
  if (!includes(have, need)) throw new AppError('forbidden', `${what} needs the ${need} permission.`);
}
