/**
 * The coarse type of an asset (image, video, audio, document, other), from
 * the type the pipeline detected in the bytes, else the one declared at
 * upload. One SQL expression both filters lists and fills the `type` field,
 * so the two cannot disagree.
 */
import { sql } from 'drizzle-orm';

export const ASSET_TYPES = ['image', 'video', 'audio', 'document', 'other'] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

/** Office, PDF, e-book and text formats count as documents. */
const DOCUMENT_TYPES = [
  'application/pdf',
  'application/rtf',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/epub+zip',
  'application/json',
  'application/xml',
];

const contentType = sql`lower(coalesce("assets"."detected_type", "assets"."declared_type"))`;

export const assetTypeSql = sql<AssetType>`(case
  when ${contentType} like 'image/%' then 'image'
  when ${contentType} like 'video/%' then 'video'
  when ${contentType} like 'audio/%' then 'audio'
  when ${contentType} like 'text/%'
    or ${contentType} like 'application/vnd.openxmlformats-officedocument.%'
    or ${contentType} like 'application/vnd.oasis.opendocument.%'
    or ${contentType} in (${sql.join(
      DOCUMENT_TYPES.map((t) => sql`${t}`),
      sql`, `,
    )}) then 'document'
  else 'other' end)`;

/** The content type the API reports: detected from the bytes when known. */
export const contentTypeSql = sql<string>`coalesce("assets"."detected_type", "assets"."declared_type")`;
