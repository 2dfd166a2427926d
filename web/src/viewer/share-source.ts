/**
 * A share page's items for the viewer: the page has no session, so the
 * viewer cannot ask the API for an asset; the public share page hands over
 * the items it loaded through the link (and how to sign their media URLs).
 */
import { signal } from '../api/signal.ts';
import type { ViewerItem } from './viewer-item.ts';

export interface ShareItems {
  token: string;
  items: ReadonlyMap<string, ViewerItem>;
}

export const shareViewerItems = signal<ShareItems | null>(null);
