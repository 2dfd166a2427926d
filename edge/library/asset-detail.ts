/**
 * One asset as `GET /api/assets/:id` shows it to a caller the policy allows:
 * its fields, tags, every stored derivative file, and signed media URLs for
 * what the caller may view (the original only with download).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { MASTER_PLAYLIST, VIDEO_PROGRESSIVE } from '../../shared/profiles/video.ts';
import { assets } from '../../shared/db/schema.ts';
import { includes, type Permission } from '../../shared/policy/access.ts';
import { derivativeFilesSql, type DerivativeFile } from './derivative-files.ts';
import { requireAssetPermissionWith } from '../access/gate.ts';
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
  // A file added through an upload link: the link, and the name and note its uploader gave (edge/drops/).
  droppedBy: sql<{ linkId: string; name: string; note: string | null } | null>`(select json_build_object('linkId', lu.link_id,
    'name', lu.uploader_name, 'note', lu.note) from link_uploads lu where lu.asset_id = "assets"."id")`,
};

type DetailRow = SummaryRow & {
  orgId: string | null;
  description: string | null;
  declaredType: string;
  detectedType: string | null;
  sha256: string | null;
  statusReason: string | null;
  metadata: Record<string, unknown>;
  deletedAt: Date | null;
  purgeAfter: Date | null;
  tags: string[];
  droppedBy: { linkId: string; name: string; note: string | null } | null;
  files: Omit<DerivativeFile, 'assetId'>[] | null;
};

/**
 * The asset as the caller sees it, when they may view it (the access gate:
 * 404 / 403): the access facts, the row, its tags and its files in one
 * statement — one round trip to the database.
 */
export async function loadVisibleAssetDetail(
  db: Database,
  assetId: string,
  userId: string | null,
  now: Date,
  signer: Signer,
): Promise<AssetDetail> {
  const { permission, extra } = await requireAssetPermissionWith(db, assetId, { userId }, 'view', now, {
    ...detailColumns,
    files: derivativeFilesSql,
  });
  return assetDetailOf(extra as DetailRow, permission, signer);
}

async function assetDetailOf(row: DetailRow, permission: Permission, signer: Signer): Promise<AssetDetail> {
  const files = (row.files ?? []).map((f) => ({ ...f, size: f.size === null ? null : Number(f.size) }));
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
    droppedBy: includes(permission, 'manage') ? (row.droppedBy ?? null) : null,
    derivatives: files,
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
