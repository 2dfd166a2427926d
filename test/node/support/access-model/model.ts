/**
 * The reference model of the access invariant, computed only from the
 * commands a run sent and the statuses the edge answered: nothing here comes
 * from shared/policy or edge/. It gives, for every (user, asset),
 * (anonymous, asset) and (share link, asset), the most the edge may grant.
 *
 * The rule (least fixpoints, evaluated at one instant `t`):
 * - sharers of a collection: its owner, and everyone an unexpired `manage`
 *   grant on it covers when a sharer of it made that grant;
 * - sharers of an asset: its owner; everyone an unexpired `manage` grant on
 *   the asset covers when a sharer of the asset made it; everyone an
 *   unexpired `manage` grant on a live collection holding the asset covers,
 *   when a sharer of the collection made it and a sharer of the asset added
 *   the item;
 * - a user's permission: owner → manage (also in the trash); trashed →
 *   nothing; else the highest of public `view` (when someone who asked for
 *   public since it was last private is a sharer: the edge may credit the
 *   first or the last of them, the model allows either),
 *   grants on the asset made by a sharer of it, grants on a live collection
 *   holding it made by a sharer of the collection when a sharer of the asset
 *   added it (a grant's maker is whoever last created or changed it);
 * - a link: unrevoked, unexpired, made (or last changed) by a sharer of its
 *   asset (or of its live collection, when a sharer of the asset added the
 *   item), at its level, `download` only with the switch on and downloads
 *   left.
 * Evaluating at the instant a probe batch starts gives the upper bound for
 * everything the edge answers later: expiry only ever takes rights away.
 */
import type { ModelState, Principal, ResourceRef, StoredGrant, StoredLink } from './state.ts';

export const LEVELS = ['view', 'download', 'edit', 'manage'] as const;
export type Level = (typeof LEVELS)[number];
/** A permission or none (null). */
export type Bound = Level | null;

export const rank = (b: Bound): number => (b === null ? -1 : LEVELS.indexOf(b));
export const higher = (a: Bound, b: Bound): Bound => (rank(a) >= rank(b) ? a : b);
export const levelAbove = (b: Bound): Level | null => LEVELS[rank(b) + 1] ?? null;

export function covers(m: ModelState, p: Principal, user: number): boolean {
  if (p.type === 'user') return p.idx === user;
  if (p.type === 'group') return !m.groups[p.idx]!.deleted && m.groups[p.idx]!.members.has(user);
  return m.orgs[p.idx]!.members.has(user);
}

const active = (g: StoredGrant, t: number) => !g.deleted && (g.expiresAt === null || g.expiresAt > t);
const on = (g: StoredGrant, r: ResourceRef) => g.res.type === r.type && g.res.idx === r.idx;
const users = (m: ModelState) => Array.from({ length: m.userCount }, (_, i) => i);

/** Grows `set` with everyone covered by `grants` made by a member of `from` (the set itself when `from` is omitted). */
function closure(m: ModelState, set: Set<number>, edges: { grant: StoredGrant; from: () => boolean }[]): Set<number> {
  for (let grew = true; grew; ) {
    grew = false;
    for (const e of edges) {
      if (!e.from()) continue;
      for (const u of users(m)) {
        if (!set.has(u) && covers(m, e.grant.principal, u)) {
          set.add(u);
          grew = true;
        }
      }
    }
  }
  return set;
}

const manageOn = (m: ModelState, r: ResourceRef, t: number) => m.grants.filter((g) => on(g, r) && active(g, t) && g.level === 'manage');

export function collectionSharers(m: ModelState, c: number, t: number): Set<number> {
  const set = new Set([m.collections[c]!.owner]);
  return closure(
    m,
    set,
    manageOn(m, { type: 'collection', idx: c }, t).map((grant) => ({ grant, from: () => set.has(grant.grantor) })),
  );
}

/** Live collections holding the asset, with who added it. */
function placements(m: ModelState, a: number): { c: number; adder: number }[] {
  const out: { c: number; adder: number }[] = [];
  m.collections.forEach((col, c) => {
    const adder = col.items.get(a);
    if (!col.deleted && adder !== undefined) out.push({ c, adder });
  });
  return out;
}

export function assetSharers(m: ModelState, a: number, t: number): Set<number> {
  const set = new Set([m.assets[a]!.owner]);
  const edges = manageOn(m, { type: 'asset', idx: a }, t).map((grant) => ({ grant, from: () => set.has(grant.grantor) }));
  for (const { c, adder } of placements(m, a)) {
    const colSharers = collectionSharers(m, c, t);
    for (const grant of manageOn(m, { type: 'collection', idx: c }, t)) {
      if (colSharers.has(grant.grantor)) edges.push({ grant, from: () => set.has(adder) });
    }
  }
  return closure(m, set, edges);
}

/** Collections through which the asset is shared now, each with its sharers. */
function sharedVia(m: ModelState, a: number, sharers: Set<number>, t: number): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const { c, adder } of placements(m, a)) if (sharers.has(adder)) out.set(c, collectionSharers(m, c, t));
  return out;
}

/** What anyone may do: `view` of a live public asset made public by a sharer. */
export function anonymousBound(m: ModelState, a: number, t: number, sharers = assetSharers(m, a, t)): Bound {
  const asset = m.assets[a]!;
  if (asset.deleted || asset.publicBy === null) return null;
  return [...asset.publicBy].some((u) => sharers.has(u)) ? 'view' : null;
}

export function userBound(m: ModelState, user: number, a: number, t: number): Bound {
  const asset = m.assets[a]!;
  if (asset.owner === user) return 'manage';
  if (asset.deleted) return null;
  const sharers = assetSharers(m, a, t);
  let best = anonymousBound(m, a, t, sharers);
  const via = sharedVia(m, a, sharers, t);
  for (const g of m.grants) {
    if (!active(g, t) || !covers(m, g.principal, user)) continue;
    const valid = g.res.type === 'asset' ? g.res.idx === a && sharers.has(g.grantor) : (via.get(g.res.idx)?.has(g.grantor) ?? false);
    if (valid) best = higher(best, g.level);
  }
  return best;
}

/** What the link's own level allows once its path is valid. */
export function linkLevel(l: StoredLink, t: number): Bound {
  if (l.revoked || l.expiresAt <= t) return null;
  const downloadsLeft = l.maxDownloads === null || l.downloads < l.maxDownloads;
  return l.level === 'download' && l.allowDownload && downloadsLeft ? 'download' : 'view';
}

/** What a holder of the link may do with the asset (anyone's public view included). */
export function linkBound(m: ModelState, link: number, a: number, t: number): Bound {
  const l = m.links[link]!;
  if (m.assets[a]!.deleted) return null;
  const sharers = assetSharers(m, a, t);
  const base = anonymousBound(m, a, t, sharers);
  const valid =
    l.res.type === 'asset'
      ? l.res.idx === a && sharers.has(l.creator)
      : (sharedVia(m, a, sharers, t).get(l.res.idx)?.has(l.creator) ?? false);
  return valid ? higher(base, linkLevel(l, t)) : base;
}
