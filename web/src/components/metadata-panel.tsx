/**
 * An asset's facts as a description list in a collapsible <details>: file
 * size, type, dimensions, duration, dates, checksum, then everything the
 * pipeline extracted into `metadata` (EXIF, video facts), flattened.
 */
import { Fragment } from 'preact';
import type { Schemas } from '../api/client.ts';
import { formatBytes, formatDate } from '../format.ts';

type Asset = Schemas['Asset'];

const LABELS: Record<string, string> = {
  cameraMake: 'Make',
  cameraModel: 'Model',
  lens: 'Lens',
  takenAt: 'Taken',
  gpsLatitude: 'Latitude',
  gpsLongitude: 'Longitude',
  orientation: 'Orientation',
  format: 'Format',
  pages: 'Pages',
  durationSec: 'Duration',
  videoCodec: 'Video codec',
  audioCodec: 'Audio codec',
  width: 'Width',
  height: 'Height',
};

/** Keys shown in the summary above instead of among the extracted facts. */
const SUMMARISED = new Set(['width', 'height', 'durationSec']);

function labelOf(path: string[]): string {
  const last = path[path.length - 1] ?? '';
  const base = LABELS[last] ?? last.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
  const scope = path.slice(0, -1).map((p) => p.replace(/^./, (c) => c.toUpperCase()));
  return scope.length ? `${scope.join(' · ')} ${base.toLowerCase()}` : base;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

function valueText(key: string, v: unknown): string {
  if (key === 'durationSec' && typeof v === 'number') return formatDuration(v);
  // EXIF times have no zone: show them as the camera wrote them, readably.
  if (key === 'takenAt' && typeof v === 'string') return v.replace('T', ' ');
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  return JSON.stringify(v);
}

/** Flattens nested objects to [label, text] rows; arrays of objects (HLS renditions) become one line each. */
function flatten(obj: Record<string, unknown>, path: string[] = []): [string, string][] {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined || v === '') continue;
    if (path.length === 0 && SUMMARISED.has(k)) continue;
    if (path.length === 1 && path[0] === 'video' && SUMMARISED.has(k)) continue;
    if (Array.isArray(v)) {
      if (v.every((x) => x && typeof x === 'object')) {
        const lines = v.map((x) => {
          const r = x as Record<string, unknown>;
          const size = r.width && r.height ? `${String(r.width)}×${String(r.height)}` : '';
          const rate = typeof r.bandwidth === 'number' ? `${Math.round(r.bandwidth / 1000)} kbit/s` : '';
          return [r.name, size, rate].filter(Boolean).join(' ') || JSON.stringify(r);
        });
        rows.push([labelOf([...path, k]), lines.join(', ')]);
      } else rows.push([labelOf([...path, k]), v.map((x) => valueText(k, x)).join(', ')]);
    } else if (typeof v === 'object') rows.push(...flatten(v as Record<string, unknown>, [...path, k]));
    else rows.push([labelOf([...path, k]), valueText(k, v)]);
  }
  return rows;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Width × height and duration: from metadata (or the video facts), else the largest derivative. */
export function dimensionsOf(asset: Asset): { width: number | null; height: number | null; duration: number | null } {
  const md = asset.metadata;
  const video = (md.video && typeof md.video === 'object' ? md.video : {}) as Record<string, unknown>;
  let width = num(md.width) ?? num(video.width);
  let height = num(md.height) ?? num(video.height);
  if (width === null || height === null) {
    const best = asset.derivatives.filter((d) => d.width && d.height).sort((a, b) => (b.width ?? 0) - (a.width ?? 0))[0];
    width = best?.width ?? null;
    height = best?.height ?? null;
  }
  return { width, height, duration: num(md.durationSec) ?? num(video.durationSec) };
}

export function MetadataPanel({ asset }: { asset: Asset }) {
  const { width, height, duration } = dimensionsOf(asset);
  const extracted = flatten(asset.metadata);
  return (
    <details class="metadata-panel card" open>
      <summary>
        <h2>Details</h2>
      </summary>
      <dl class="facts">
        <dt>File name</dt>
        <dd class="text-wrap">{asset.filename}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(asset.size)}</dd>
        <dt>Type</dt>
        <dd>{asset.detectedType ?? asset.contentType}</dd>
        {width && height ? (
          <>
            <dt>Dimensions</dt>
            <dd>
              {width} × {height} px
            </dd>
          </>
        ) : null}
        {duration !== null ? (
          <>
            <dt>Duration</dt>
            <dd>{formatDuration(duration)}</dd>
          </>
        ) : null}
        <dt>Uploaded</dt>
        <dd>{formatDate(asset.createdAt)}</dd>
        {asset.droppedBy ? (
          <>
            <dt>Dropped by</dt>
            <dd>
              {asset.droppedBy.name} (through an upload link){asset.droppedBy.note ? `: “${asset.droppedBy.note}”` : ''}
            </dd>
          </>
        ) : null}
        <dt>Changed</dt>
        <dd>{formatDate(asset.updatedAt)}</dd>
        {asset.sha256 ? (
          <>
            <dt>SHA-256</dt>
            <dd class="text-wrap">
              <code>{asset.sha256}</code>
            </dd>
          </>
        ) : null}
      </dl>
      {extracted.length ? (
        <>
          <h3 class="small muted">Extracted metadata</h3>
          <dl class="facts exif" aria-label="Extracted metadata">
            {extracted.map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd class="text-wrap">{v}</dd>
              </Fragment>
            ))}
          </dl>
        </>
      ) : null}
    </details>
  );
}
