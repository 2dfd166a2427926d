/**
 * The access policy (DESIGN.md, "Access model"): one pure function decides
 * what a caller may do with an asset. Routes load the facts (loaders in
 * edge/access) and ask here; the SQL that lists what a caller may see must
 * agree with this function (held together by a property test).
 *
 * Readers of an asset: its owner; principals with an unexpired grant on the
 * asset or on a collection holding it (the user, a group they belong to,
 * their org); holders of a valid share link; anyone when it is public.
 * A soft-deleted asset is visible to its owner only (the trash).
 */

export const permissions = ['view', 'download', 'edit', 'manage'] as const;
export type Permission = (typeof permissions)[number];

const rank = (p: Permission): number => permissions.indexOf(p);

/** True when `have` includes `need` (view < download < edit < manage). */
export const includes = (have: Permission | null, need: Permission): boolean => have !== null && rank(have) >= rank(need);

/** The higher of two permissions (null is nothing). */
export const higher = (a: Permission | null, b: Permission | null): Permission | null =>
  a === null ? b : b === null ? a : rank(a) >= rank(b) ? a : b;

/** What anyone may do with a public asset: see it, not download the original. */
export const PUBLIC_PERMISSION: Permission = 'view';

export interface AssetFacts {
  id: string;
  ownerId: string;
  visibility: 'private' | 'public';
  deletedAt: Date | null;
  /** Live (not deleted) collections that hold the asset. */
  collectionIds: readonly string[];
}

/** Who is asking: a signed-in user with their memberships, or nobody. */
export interface Caller {
  userId: string;
  groupIds: readonly string[];
  orgIds: readonly string[];
}

export interface GrantFacts {
  resourceType: 'asset' | 'collection';
  resourceId: string;
  principalType: 'user' | 'group' | 'org';
  principalId: string;
  permission: Permission;
  expiresAt: Date | null;
}

/** A share link already verified by its token; its row decides the rest. */
export interface LinkFacts {
  resourceType: 'asset' | 'collection';
  resourceId: string;
  permission: Permission;
  expiresAt: Date;
  revokedAt: Date | null;
  allowDownload: boolean;
  maxDownloads: number | null;
  downloadCount: number;
}

export interface AccessQuestion {
  asset: AssetFacts;
  caller: Caller | null;
  /** Grants on the asset and on its collections (others are ignored). */
  grants: readonly GrantFacts[];
  link?: LinkFacts | null;
  now: Date;
}

function holdsPrincipal(caller: Caller, g: GrantFacts): boolean {
  if (g.principalType === 'user') return g.principalId === caller.userId;
  if (g.principalType === 'group') return caller.groupIds.includes(g.principalId);
  return caller.orgIds.includes(g.principalId);
}

function coversAsset(asset: AssetFacts, type: 'asset' | 'collection', id: string): boolean {
  return type === 'asset' ? id === asset.id : asset.collectionIds.includes(id);
}

/** What a valid, unexpired, unrevoked link allows on the asset, or null. */
export function linkPermission(asset: AssetFacts, link: LinkFacts, now: Date): Permission | null {
  if (link.revokedAt !== null || link.expiresAt.getTime() <= now.getTime()) return null;
  if (!coversAsset(asset, link.resourceType, link.resourceId)) return null;
  const downloadsLeft = link.maxDownloads === null || link.downloadCount < link.maxDownloads;
  // A link that may not (or may no longer) download still lets its holder view.
  if (includes(link.permission, 'download') && !(link.allowDownload && downloadsLeft)) return 'view';
  return link.permission;
}

/** The highest permission the caller (or link holder) has on the asset, or null for none. */
export function assetPermission(q: AccessQuestion): Permission | null {
  const { asset, caller, now } = q;
  if (caller && caller.userId === asset.ownerId) return 'manage';
  if (asset.deletedAt !== null) return null;
  let best: Permission | null = asset.visibility === 'public' ? PUBLIC_PERMISSION : null;
  if (caller) {
    for (const g of q.grants) {
      if (g.expiresAt !== null && g.expiresAt.getTime() <= now.getTime()) continue;
      if (!coversAsset(asset, g.resourceType, g.resourceId) || !holdsPrincipal(caller, g)) continue;
      best = higher(best, g.permission);
    }
  }
  if (q.link) best = higher(best, linkPermission(asset, q.link, now));
  return best;
}

/** True when the caller may do `need` with the asset. */
export const canAccessAsset = (q: AccessQuestion, need: Permission): boolean => includes(assetPermission(q), need);

/** A collection, for {@link collectionPermission}. */
export interface CollectionFacts {
  id: string;
  ownerId: string;
  visibility: 'private' | 'public';
  deletedAt: Date | null;
}

/**
 * What the caller may do with a collection itself (see its items, change
 * them, share it): owner → manage (also in the trash); deleted → nobody
 * else; public → view; unexpired grants on the collection to the user, their
 * groups or orgs; a live link on the collection. Its items' own access is
 * {@link assetPermission} (collection grants and links reach them there).
 */
export function collectionPermission(q: {
  collection: CollectionFacts;
  caller: Caller | null;
  grants: readonly GrantFacts[];
  link?: LinkFacts | null;
  now: Date;
}): Permission | null {
  const { collection, caller, now } = q;
  if (caller && caller.userId === collection.ownerId) return 'manage';
  if (collection.deletedAt !== null) return null;
  let best: Permission | null = collection.visibility === 'public' ? PUBLIC_PERMISSION : null;
  if (caller) {
    for (const g of q.grants) {
      if (g.resourceType !== 'collection' || g.resourceId !== collection.id) continue;
      if (g.expiresAt !== null && g.expiresAt.getTime() <= now.getTime()) continue;
      if (holdsPrincipal(caller, g)) best = higher(best, g.permission);
    }
  }
  const link = q.link;
  if (link && link.resourceType === 'collection' && link.resourceId === collection.id) {
    const live = link.revokedAt === null && link.expiresAt.getTime() > now.getTime();
    if (live) best = higher(best, link.permission);
  }
  return best;
}
