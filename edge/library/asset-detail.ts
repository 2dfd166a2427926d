/**
 * One asset as `GET /api/assets/:id` shows it to a caller the policy allows:
 * its fields, tags, every stored derivative file, and signed media URLs for
 * what the caller may view (the original only with download).
 */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { MASTER_PLAYLIST, VIDEO_PROGRESSIVE } from '../../shared/profiles/video.ts';
import { assets } from '../../shared/db/schema.ts';
import { includes, type Permission } from '../../shared/policy/access.ts';
import { derivativeFiles } from './derivative-files.ts';
import { iso, summaryColumns, toSummary, type SummaryRow } from './asset-rows.ts';
import { mediaUrlsFor, type Signer } from './media-urls.ts';
import { typeMismatch } from '../delivery/type-mismatch.ts';
import type { AssetDetail } from './schemas.ts';

const detailColumns = {
  ...summaryColumns,
  orgId: assets.orgId,
  description: assets.description,
  declaredType: assets.declaredType,
  detectedType: assets.detectedType,
  sha256: assets.sha256,
  statusReason: assets.statusReason,
  metadata: assets.metadata,
  deletedAt: assets.deletedAt,
  purgeAfter: assets.purgeAfter,
  tags: sql<string[]>`coalesce((select array_agg(t.name order by lower(t.name)) from asset_tags at
    join tags t on t.id = at.tag_id where at.asset_id = "assets"."id"), '{}')`,
};

export async function loadAssetDetail(db: Database, assetId: string, permission: Permission, signer: Signer): Promise<AssetDetail | null> {
  const [[row], byAsset] = await Promise.all([
    db.select(detailColumns).from(assets).where(eq(assets.id, assetId)).limit(1),
    derivativeFiles(db, [assetId]),
  ]);
  const files = byAsset.get(assetId) ?? [];
  if (!row) return null;
  // A blocked asset's files are never served, so no URL is handed out for them.
  const ready = row.status === 'blocked' ? [] : files.filter((f) => f.status === 'ready').map((f) => f.kind);
  // A pending upload has no original yet: no download URL until it arrives.
  const mediaPermission = row.status === 'pending' && permission !== 'view' ? 'view' : permission;
  return {
    ...(await toSummary(row as SummaryRow, signer)),
    orgId: row.orgId,
    description: row.description,
    declaredType: row.declaredType,
    detectedType: row.detectedType,
    typeMismatch: includes(permission, 'manage') ? typeMismatch(row.declaredType, row.detectedType) : null,
    sha256: row.sha256,
    statusReason: row.statusReason,
    metadata: metadataFor(row.metadata, permission),
    tags: row.tags,
    deletedAt: row.deletedAt ? iso(row.deletedAt) : null,
    purgeAfter: row.purgeAfter ? iso(row.purgeAfter) : null,
    permission,
    derivatives: files.map(({ assetId: _, ...f }) => f),
    media: row.status === 'blocked' ? [] : await mediaUrlsFor(signer, row.id, mediaPermission, ready),
    playable: ready.includes(VIDEO_PROGRESSIVE.kind) || ready.includes(MASTER_PLAYLIST),
  };
}

/**
 * Where a photo was taken (the EXIF GPS position the pipeline keeps) is for
 * the owner and those who may edit the asset; viewers, downloaders and the
 * public get the rest of the metadata. (The original file itself still
 * carries its EXIF: whoever may download it gets what is in it.)
 */
export const LOCATION_KEYS: readonly string[] = ['gpsLatitude', 'gpsLongitude'];

export function metadataFor(metadata: Record<string, unknown>, permission: Permission): Record<string, unknown> {
  if (includes(permission, 'edit')) return metadata;
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => !LOCATION_KEYS.includes(k)));
}
