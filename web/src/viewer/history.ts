/**
 * The viewer's history entries (pure, unit-tested). Opening pushes an entry
 * and each step to another asset pushes one more, so back and forward walk
 * through what was seen; each entry's `history.state` counts how many
 * viewer entries lie at and before it. Closing goes back past all of them
 * when they are ours, else (a `?view=` address opened directly) replaces
 * the entry with the page without the viewer.
 */

const KEY = 'mediaViewerDepth';

/** How many viewer entries this one and those before it are (0: not ours). */
export function depthOf(state: unknown): number {
  if (!state || typeof state !== 'object') return 0;
  const d = (state as Record<string, unknown>)[KEY];
  return typeof d === 'number' && Number.isInteger(d) && d > 0 ? d : 0;
}

/** The state of an entry pushed on top of one with `state`. */
export const pushedState = (state: unknown) => ({ [KEY]: depthOf(state) + 1 });

export type CloseAction = { kind: 'back'; steps: number } | { kind: 'replace' };

export function closeAction(state: unknown): CloseAction {
  const d = depthOf(state);
  return d > 0 ? { kind: 'back', steps: d } : { kind: 'replace' };
}

/** The asset after or before `id` in `ids` (none at either end, or when `id` is not in the list). */
export function neighbour(ids: readonly string[], id: string, dir: 1 | -1): string | null {
  const i = ids.indexOf(id);
  if (i < 0) return null;
  return ids[i + dir] ?? null;
}
