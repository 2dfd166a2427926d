/**
 * How any page opens the full-screen viewer: the asset shown is in the URL
 * (`?view=<assetId>`, pushed, so back/forward step in and out of it), and the
 * page registers the ordered ids that next/previous walk through. The viewer
 * (mounted once by the app shell) reads both; a page never renders it itself.
 */
import { signal } from '../api/signal.ts';
import { setQuery } from '../router.ts';

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

/** Opens the viewer on `assetId`; `sequence` replaces what next/previous walk. */
export function openViewer(assetId: string, sequence?: ViewerSequence): void {
  if (sequence) viewerSequence.set(sequence);
  setQuery({ view: assetId }, { replace: false });
}

/** Closes the viewer (drops `view` from the URL without a new history entry). */
export function closeViewer(): void {
  setQuery({ view: undefined }, { replace: true });
}
