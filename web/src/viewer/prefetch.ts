/**
 * The neighbours of the shown asset, fetched ahead: their details (signed
 * URLs) and their display image, so next/previous shows a picture at once.
 * Each fetched answer is used once (taken), so a later load asks again for
 * fresh URLs.
 */
import { api, type Schemas } from '../api/client.ts';
import { fromAsset } from './viewer-item.ts';
import { pickVariant } from './zoom.ts';

type Asset = Schemas['Asset'];

const pending = new Map<string, Promise<Asset>>();
const MAX = 6;

export function prefetchAsset(id: string): void {
  if (pending.has(id)) return;
  const p = api('GET /api/assets/{id}', { path: { id } });
  pending.set(id, p);
  // Keep only the latest few; a failed prefetch is simply asked again on a step.
  if (pending.size > MAX) pending.delete(pending.keys().next().value!);
  p.then(
    (a) => {
      const first = pickVariant(fromAsset(a).variants, 640, null);
      if (first) new Image().src = first.url;
    },
    () => pending.delete(id),
  );
}

export function takePrefetched(id: string): Promise<Asset> | null {
  const p = pending.get(id);
  if (!p) return null;
  pending.delete(id);
  return p;
}
