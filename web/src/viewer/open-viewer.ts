/**
 * How any page opens the full-screen viewer: the asset shown is in the URL
 * (`?view=<assetId>`, pushed, so back/forward step in and out of it), and the
 * page registers the ordered ids that next/previous walk through. The viewer
 * (mounted once by the app shell) reads both; a page never renders it itself.
 */
import { signal } from '../api/signal.ts';
import { setQuery } from '../router.ts';
import { closeAction, pushedState } from './history.ts';

export interface ViewerSequence {
  /** Asset ids in the order the page shows them. */
  ids: string[];
  /**
   * Where media for these ids comes from: the signed-in API, or a share link
   * (its token), whose pages have no session.
   */
  source: { kind: 'library' } | { kind: 'share'; token: string };
}

export const viewerSequence = signal<ViewerSequence>({ ids: [], source: { kind: 'library' } });

/** The element focused when the viewer opened (focus goes back to it, or to the shown asset's card, on close). */
let opener: Element | null = null;
export const viewerOpener = () => opener;

/** Opens the viewer on `assetId`; `sequence` replaces what next/previous walk. */
export function openViewer(assetId: string, sequence?: ViewerSequence): void {
  if (sequence) viewerSequence.set(sequence);
  opener = document.activeElement;
  setQuery({ view: assetId }, { replace: false, state: pushedState(null), keepScroll: true });
}

/** Shows another asset in the open viewer: a new history entry, so back returns to the previous one. */
export function stepViewer(assetId: string): void {
  setQuery({ view: assetId }, { replace: false, state: pushedState(history.state), keepScroll: true });
}

/**
 * Closes the viewer: back past its entries when it pushed them (so forward
 * reopens it), else drops `view` from the URL without a new entry.
 */
export function closeViewer(): void {
  const action = closeAction(history.state);
  if (action.kind === 'back') history.go(-action.steps);
  else setQuery({ view: undefined }, { replace: true, keepScroll: true });
}
