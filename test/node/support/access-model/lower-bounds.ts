/**
 * The cheap equalities the model can also insist on, whatever else a run
 * did: the owner holds manage (also in the trash); a grant without expiry
 * that the owner made to a user directly on the asset, or that a
 * collection's owner made on it when the asset's owner put the asset there,
 * reaches that user at its level; an asset link the owner made shows the
 * asset. These hold under the old rule and the new one alike.
 */
import { higher, type Bound } from './model.ts';
import type { ModelState } from './state.ts';

/** The least permission the user must have on the asset (null: nothing required). */
export function lowerBound(m: ModelState, user: number, a: number): Bound {
  const asset = m.assets[a]!;
  if (asset.owner === user) return 'manage';
  if (asset.deleted) return null;
  let least: Bound = null;
  for (const g of m.grants) {
    if (g.deleted || g.expiresAt !== null || g.principal.type !== 'user' || g.principal.idx !== user) continue;
    if (g.res.type === 'asset') {
      if (g.res.idx === a && g.grantor === asset.owner) least = higher(least, g.level);
      continue;
    }
    const col = m.collections[g.res.idx]!;
    if (!col.deleted && col.items.get(a) === asset.owner && g.grantor === col.owner) least = higher(least, g.level);
  }
  return least;
}

/** True when the link's page must show the asset: the owner's own live link on it, well before its expiry. */
export function ownerLinkShown(m: ModelState, link: number, a: number, t: number): boolean {
  const l = m.links[link]!;
  const asset = m.assets[a]!;
  return l.res.type === 'asset' && l.res.idx === a && !asset.deleted && !l.revoked && l.creator === asset.owner && l.expiresAt > t + 10_000;
}
