/**
 * The viewer's info panel: description, the asset's facts and extracted
 * metadata (the asset page's MetadataPanel: the API decides what a caller
 * may see, e.g. GPS only for those allowed it), a map link when a position is
 * among them, and the tags. A share link's item shows what the link carries.
 */
import type { Schemas } from '../api/client.ts';
import { MetadataPanel } from '../components/metadata-panel.tsx';
import type { ViewerItem } from './viewer-item.ts';

type Asset = Schemas['Asset'];

/** Latitude and longitude when the metadata the caller received has both. */
export function positionOf(metadata: Record<string, unknown>): { lat: number; lon: number } | null {
  const lat = metadata.gpsLatitude;
  const lon = metadata.gpsLongitude;
  if (typeof lat !== 'number' || typeof lon !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { lat, lon };
}

function Position({ asset }: { asset: Asset }) {
  const pos = positionOf(asset.metadata);
  if (!pos) return null;
  const q = `mlat=${pos.lat}&mlon=${pos.lon}#map=15/${pos.lat}/${pos.lon}`;
  return (
    <p class="viewer-map">
      <a href={`https://www.openstreetmap.org/?${q}`} target="_blank" rel="noopener noreferrer">
        Show {pos.lat.toFixed(5)}, {pos.lon.toFixed(5)} on a map<span class="visually-hidden"> (opens in a new tab)</span>
      </a>
    </p>
  );
}

export function InfoPanel({ item }: { item: ViewerItem }) {
  const asset = item.asset;
  return (
    <aside class="viewer-info" aria-label="Information">
      <h3 class="visually-hidden">Information</h3>
      {item.description ? <p class="viewer-description">{item.description}</p> : null}
      {asset ? (
        <>
          <Position asset={asset} />
          <section aria-labelledby="viewer-tags-h">
            <h3 id="viewer-tags-h" class="small">
              Tags
            </h3>
            {asset.tags.length ? (
              <ul class="viewer-tags">
                {asset.tags.map((t) => (
                  <li key={t}>
                    <a href={`/?tag=${encodeURIComponent(t)}`}>{t}</a>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted small">No tags. Add them on the asset's page.</p>
            )}
          </section>
          <p class="small">
            <a href={`/assets/${encodeURIComponent(asset.id)}`}>Collections, tags and sharing on the asset's page</a>
          </p>
          <MetadataPanel asset={asset} />
        </>
      ) : (
        <dl class="facts">
          <dt>File name</dt>
          <dd class="text-wrap">{item.filename}</dd>
          <dt>Type</dt>
          <dd>{item.type}</dd>
        </dl>
      )}
    </aside>
  );
}
