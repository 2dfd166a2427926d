/**
 * The one query for an asset's derivative files (the asset detail, the
 * upload status, what a share link shows), by asset, in variant order.
 *
 * `listed` drops the HLS renditions and segments: the master playlist
 * stands for them (a film has hundreds of segments nobody lists one by one).
 * `readyOnly` keeps the files that can be served.
 */
import { and, asc, eq, inArray, not, like, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { derivatives } from '../../shared/db/schema.ts';
import { HLS, MASTER_PLAYLIST } from '../../shared/profiles/video.ts';

const fileColumns = {
  assetId: derivatives.assetId,
  kind: derivatives.kind,
  contentType: derivatives.contentType,
  width: derivatives.width,
  height: derivatives.height,
  size: derivatives.size,
  status: derivatives.status,
};

export type DerivativeFile = Pick<typeof derivatives.$inferSelect, keyof typeof fileColumns>;

export async function derivativeFiles(
  db: Database,
  assetIds: readonly string[],
  opts: { listed?: boolean; readyOnly?: boolean } = {},
): Promise<Map<string, DerivativeFile[]>> {
  const byAsset = new Map<string, DerivativeFile[]>();
  if (assetIds.length === 0) return byAsset;
  const where: SQL[] = [assetIds.length === 1 ? eq(derivatives.assetId, assetIds[0]!) : inArray(derivatives.assetId, [...assetIds])];
  if (opts.readyOnly) where.push(eq(derivatives.status, 'ready'));
  if (opts.listed) where.push(or(not(like(derivatives.kind, `${HLS.dir}/%`)), eq(derivatives.kind, MASTER_PLAYLIST))!);
  const rows = await db
    .select(fileColumns)
    .from(derivatives)
    .where(and(...where))
    .orderBy(asc(derivatives.kind));
  for (const r of rows) byAsset.set(r.assetId, [...(byAsset.get(r.assetId) ?? []), r]);
  return byAsset;
}

/**
 * The asset-in-scope's (`"assets"`) files as {@link derivativeFiles} lists
 * them (all of them, in variant order), as a json column, so a caller that
 * already reads the asset row gets its files in the same statement.
 */
export const derivativeFilesSql = sql<Omit<DerivativeFile, 'assetId'>[] | null>`(
  select json_agg(json_build_object('kind', d.kind, 'contentType', d.content_type, 'width', d.width,
    'height', d.height, 'size', d.size, 'status', d.status) order by d.kind)
  from derivatives d where d.asset_id = "assets"."id")`;
