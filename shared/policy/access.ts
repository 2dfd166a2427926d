/**
 * The access policy (DESIGN.md, "Access model"): one pure function decides
 * what a caller may do with an asset or a collection. Routes load the facts
 * (edge/access) and ask here; the SQL that lists what a caller may see must
 * agree with these functions (held together by property tests).
 *
 * The invariant: a principal's effective permission on an asset never
 * exceeds what someone entitled to share it chose to give. Only the owner
 * and holders of `manage` ("sharers") pass rights on, and every path to an
 * asset counts only while whoever created it is still a sharer:
 *
 * - Sharers of a collection: its owner, and whoever an unexpired `manage`
 *   grant on it covers when a sharer of the collection made that grant.
 * - Sharers of an asset: its owner; whoever an unexpired `manage` grant on
 *   the asset covers when a sharer of the asset made it; whoever an
 *   unexpired `manage` grant on a live collection holding the asset covers,
 *   when a sharer of the collection made the grant and a sharer of the asset
 *   put the asset there. Both sets are least fixpoints: a ring of managers
 *   who granted each other holds nothing once its anchor is gone.
 * - A grant on the asset reaches its principals at its level when a sharer
 *   of the asset made it; a grant or link on a collection reaches an item
 *   when a sharer of the collection made it and a sharer of the asset added
 *   the item (putting something you cannot share into a collection is
 *   personal curation: it passes nothing on); a link on the asset when a
 *   sharer of the asset made it; public visibility gives `view` when a sharer
 *   made the resource public. Links never make anyone a sharer.
 * - The owner holds `manage`, also in the trash; a trashed asset is nobody
 *   else's.
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

/** A collection, as the policy needs it. */
export interface CollectionFacts {
  id: string;
  ownerId: string;
  visibility: 'private' | 'public';
  /** Who made it public (null: private, or unknown — then it is not public to anyone). */
  visibilitySetBy: string | null;
  deletedAt: Date | null;
}

/** A collection holding the asset, and who put the asset there (null: unknown, shares nothing). */
export interface Placement {
  collection: CollectionFacts;
  addedBy: string | null;
}

export interface AssetFacts {
  id: string;
  ownerId: string;
  visibility: 'private' | 'public';
  visibilitySetBy: string | null;
  deletedAt: Date | null;
  /** Collections holding the asset (deleted ones are ignored). */
  placements: readonly Placement[];
}

/** A person and their memberships: the caller, or someone whose decisions the policy weighs. */
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
  /** Who made (or last changed) the grant; null counts as nobody. */
  grantedBy: string | null;
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
  createdBy: string;
  /** An upload-only ("file drop") link: it passes on no right at all, to the collection or its items. Required, so a reader of the link row that forgets it does not type-check. */
  dropOnly: boolean;
}

/**
 * The facts for one asset. `grants` must hold at least every `manage` grant
 * on the asset and its collections and every grant reaching the caller (the
 * loaders give exactly that); `people` the memberships of whoever made those
 * grants, placements, the link or the public switch. Someone missing from
 * `people` is weighed as a member of nothing: the answer can only be lower.
 */
export interface AccessQuestion {
  asset: AssetFacts;
  caller: Caller | null;
  grants: readonly GrantFacts[];
  people?: readonly Caller[];
  link?: LinkFacts | null;
  now: Date;
}

function holdsPrincipal(person: Caller, g: GrantFacts): boolean {
  if (g.principalType === 'user') return g.principalId === person.userId;
  if (g.principalType === 'group') return person.groupIds.includes(g.principalId);
  return person.orgIds.includes(g.principalId);
}

const live = (g: GrantFacts, now: Date) => g.expiresAt === null || g.expiresAt.getTime() > now.getTime();

function everyone(q: { caller: Caller | null; people?: readonly Caller[] }): Caller[] {
  const all = [...(q.people ?? [])];
  if (q.caller && !all.some((p) => p.userId === q.caller!.userId)) all.push(q.caller);
  return all;
}

/** The least set holding `seed` and closed under "a member made a manage grant covering someone". */
function closure(seed: string, edges: { from: string | null; grant: GrantFacts }[], people: readonly Caller[]): Set<string> {
  const set = new Set([seed]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const { from, grant } of edges) {
      if (from === null || !set.has(from)) continue;
      for (const p of people) {
        if (!set.has(p.userId) && holdsPrincipal(p, grant)) {
          set.add(p.userId);
          grew = true;
        }
      }
    }
  }
  return set;
}

const manageOn = (grants: readonly GrantFacts[], type: 'asset' | 'collection', id: string, now: Date) =>
  grants.filter((g) => g.resourceType === type && g.resourceId === id && g.permission === 'manage' && live(g, now));

/** Who may share the collection (its owner and the managers anchored in them). */
export function collectionSharers(
  collection: CollectionFacts,
  grants: readonly GrantFacts[],
  people: readonly Caller[],
  now: Date,
): Set<string> {
  const edges = manageOn(grants, 'collection', collection.id, now).map((grant) => ({ from: grant.grantedBy, grant }));
  return closure(collection.ownerId, edges, people);
}

const livePlacements = (asset: AssetFacts) => asset.placements.filter((p) => p.collection.deletedAt === null);

/** Who may share the asset. */
export function assetSharers(asset: AssetFacts, grants: readonly GrantFacts[], people: readonly Caller[], now: Date): Set<string> {
  const edges: { from: string | null; grant: GrantFacts }[] = manageOn(grants, 'asset', asset.id, now).map((grant) => ({
    from: grant.grantedBy,
    grant,
  }));
  for (const { collection, addedBy } of livePlacements(asset)) {
    const colSharers = collectionSharers(collection, grants, people, now);
    for (const grant of manageOn(grants, 'collection', collection.id, now)) {
      if (grant.grantedBy !== null && colSharers.has(grant.grantedBy)) edges.push({ from: addedBy, grant });
    }
  }
  return closure(asset.ownerId, edges, people);
}

const isIn = (set: Set<string>, id: string | null) => id !== null && set.has(id);

/** What a link allows on its own, once its path is valid: download needs the switch and downloads left. */
export function linkLevel(link: LinkFacts, now: Date): Permission | null {
  if (link.dropOnly === true || link.revokedAt !== null || link.expiresAt.getTime() <= now.getTime()) return null;
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
  const people = everyone(q);
  const sharers = assetSharers(asset, q.grants, people, now);
  let best: Permission | null = asset.visibility === 'public' && isIn(sharers, asset.visibilitySetBy) ? PUBLIC_PERMISSION : null;

  // Collections through which this asset is shared: live, and the item put there by a sharer.
  const sharedVia = new Map<string, Set<string>>();
  for (const { collection, addedBy } of livePlacements(asset)) {
    if (isIn(sharers, addedBy)) sharedVia.set(collection.id, collectionSharers(collection, q.grants, people, now));
  }
  if (caller) {
    for (const g of q.grants) {
      if (!live(g, now) || !holdsPrincipal(caller, g)) continue;
      const valid =
        g.resourceType === 'asset'
          ? g.resourceId === asset.id && isIn(sharers, g.grantedBy)
          : isIn(sharedVia.get(g.resourceId) ?? new Set(), g.grantedBy);
      if (valid) best = higher(best, g.permission);
    }
  }
  const link = q.link;
  if (link) {
    const valid =
      link.resourceType === 'asset'
        ? link.resourceId === asset.id && sharers.has(link.createdBy)
        : (sharedVia.get(link.resourceId)?.has(link.createdBy) ?? false);
    if (valid) best = higher(best, linkLevel(link, now));
  }
  return best;
}

/** True when the caller may do `need` with the asset. */
export const canAccessAsset = (q: AccessQuestion, need: Permission): boolean => includes(assetPermission(q), need);

/**
 * What the caller may do with a collection itself (see it and its item list,
 * change it, share it): owner → manage (also when deleted); deleted → nobody
 * else; public (made so by a sharer) → view; unexpired grants on it made by a
 * sharer of it; a live link on it made by a sharer. Items are decided one by
 * one by {@link assetPermission}: seeing a collection shows only the items
 * the caller may see.
 */
export function collectionPermission(q: {
  collection: CollectionFacts;
  caller: Caller | null;
  grants: readonly GrantFacts[];
  people?: readonly Caller[];
  link?: LinkFacts | null;
  now: Date;
}): Permission | null {
  const { collection, caller, now } = q;
  if (caller && caller.userId === collection.ownerId) return 'manage';
  if (collection.deletedAt !== null) return null;
  const sharers = collectionSharers(collection, q.grants, everyone(q), now);
  let best: Permission | null = collection.visibility === 'public' && isIn(sharers, collection.visibilitySetBy) ? PUBLIC_PERMISSION : null;
  if (caller) {
    for (const g of q.grants) {
      if (g.resourceType !== 'collection' || g.resourceId !== collection.id) continue;
      if (live(g, now) && holdsPrincipal(caller, g) && isIn(sharers, g.grantedBy)) best = higher(best, g.permission);
    }
  }
  const link = q.link;
  if (link && link.resourceType === 'collection' && link.resourceId === collection.id && sharers.has(link.createdBy)) {
    const open = link.dropOnly !== true && link.revokedAt === null && link.expiresAt.getTime() > now.getTime();
    if (open) best = higher(best, link.permission);
  }
  return best;
}
