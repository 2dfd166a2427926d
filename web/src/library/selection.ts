/**
 * The selection model, as pure functions on an immutable state: a set of
 * ids and the anchor of the last plain or toggling click. A shift-click
 * selects everything between the anchor and the target in timeline order
 * (adding to what is selected, as photo apps do); a day's checkbox selects
 * or clears the whole day.
 */

export interface Selection {
  ids: ReadonlySet<string>;
  anchor: string | null;
}

export const emptySelection: Selection = { ids: new Set(), anchor: null };

/** The ids from `a` to `b` inclusive, in `order` (either direction); just `b` when `a` is not in the order. */
export function rangeBetween(order: readonly string[], a: string | null, b: string): string[] {
  const j = order.indexOf(b);
  if (j < 0) return [];
  const i = a === null ? -1 : order.indexOf(a);
  if (i < 0) return [b];
  return order.slice(Math.min(i, j), Math.max(i, j) + 1);
}

/** A click on an item while selecting: toggles it, or with shift adds the range from the anchor. */
export function clickItem(s: Selection, id: string, order: readonly string[], shift: boolean): Selection {
  const ids = new Set(s.ids);
  if (shift && s.anchor !== null) {
    for (const x of rangeBetween(order, s.anchor, id)) ids.add(x);
    return { ids, anchor: id };
  }
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  return { ids, anchor: id };
}

/** Whether every one of `ids` is selected (false for none). */
export function allSelected(s: Selection, ids: readonly string[]): boolean {
  return ids.length > 0 && ids.every((id) => s.ids.has(id));
}

/** A day's checkbox: selects all of `ids`, or clears them when all were selected. */
export function toggleGroup(s: Selection, ids: readonly string[]): Selection {
  const next = new Set(s.ids);
  if (allSelected(s, ids)) for (const id of ids) next.delete(id);
  else for (const id of ids) next.add(id);
  return { ids: next, anchor: s.anchor };
}

/** Drops ids that are no longer shown (after a trash, a filter change). */
export function keepOnly(s: Selection, shown: ReadonlySet<string>): Selection {
  const ids = new Set([...s.ids].filter((id) => shown.has(id)));
  return ids.size === s.ids.size ? s : { ids, anchor: s.anchor !== null && shown.has(s.anchor) ? s.anchor : null };
}
