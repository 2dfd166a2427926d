/**
 * The columns every asset list selects (one query: the thumbnail variant is a
 * correlated lookup on the derivatives' (asset_id, kind) index) and their
 * mapping to the API's asset summary, thumbnail URL included.
 */
import { sql } from 'drizzle-orm';
import { assets } from '../../shared/db/schema.ts';
import { assetTypeSql, contentTypeSql } from './asset-type.ts';
import { THUMBNAIL_VARIANTS, thumbnailUrl, type Signer } from './media-urls.ts';
import type { AssetSummary } from './schemas.ts';

const preference = sql`array[${sql.join(
  THUMBNAIL_VARIANTS.map((v) => sql`${v}`),
  sql`, `,
)}]::text[]`;

/** The best ready thumbnail variant, none for a blocked asset (its files are never served). */
const thumbnailKind = sql<string | null>`(case when "assets"."status" = 'blocked' then null else (
  select d.kind from derivatives d
  where d.asset_id = "assets"."id" and d.status = 'ready' and d.kind = any(${preference})
  order by array_position(${preference}, d.kind) limit 1) end)`;

/** Upright pixels from the metadata ingest wrote (images: top level; videos: under `video`), when a number. */
function dimension(key: 'width' | 'height') {
  return sql<number | null>`(case
    when jsonb_typeof("assets"."metadata"->${key}) = 'number' then ("assets"."metadata"->>${key})::float8
    when jsonb_typeof("assets"."metadata"->'video'->${key}) = 'number' then ("assets"."metadata"->'video'->>${key})::float8 end)`;
}

export const summaryColumns = {
  id: assets.id,
  ownerId: assets.ownerId,
  filename: assets.filename,
  title: assets.title,
  type: assetTypeSql,
  contentType: contentTypeSql,
  size: assets.size,
  status: assets.status,
  visibility: assets.visibility,
  placeholder: assets.placeholder,
  createdAt: assets.createdAt,
  updatedAt: assets.updatedAt,
  thumbnailKind,
  /** `created_at` as Postgres prints it, microseconds kept, for cursors. */
  createdKey: sql<string>`"assets"."created_at"::text`,
  takenAt: assets.takenAt,
  takenKey: sql<string>`"assets"."taken_at"::text`,
  width: dimension('width'),
  height: dimension('height'),
};

export interface SummaryRow {
  id: string;
  ownerId: string;
  filename: string;
  title: string | null;
  type: AssetSummary['type'];
  contentType: string;
  size: number;
  status: AssetSummary['status'];
  visibility: AssetSummary['visibility'];
  placeholder: string | null;
  createdAt: Date;
  updatedAt: Date;
  thumbnailKind: string | null;
  createdKey: string;
  takenAt: Date;
  takenKey: string;
  width: number | null;
  height: number | null;
}

/** Drivers differ: a raw timestamp may come back as a Date or as text. */
export const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

export async function toSummary(row: SummaryRow, signer: Signer): Promise<AssetSummary> {
  return {
    id: row.id,
    ownerId: row.ownerId,
    filename: row.filename,
    title: row.title,
    type: row.type,
    contentType: row.contentType,
    size: Number(row.size),
    status: row.status,
    visibility: row.visibility,
    placeholder: row.placeholder,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    takenAt: iso(row.takenAt),
    width: row.width === null ? null : Number(row.width),
    height: row.height === null ? null : Number(row.height),
    thumbnail: row.thumbnailKind ? await thumbnailUrl(signer, row.id, row.thumbnailKind) : null,
  };
}

export const toSummaries = (rows: SummaryRow[], signer: Signer) => Promise.all(rows.map((r) => toSummary(r, signer)));
