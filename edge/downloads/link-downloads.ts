/**
 * A collection link's archive counts one download per file it holds, taken
 * from the link's cap in one statement: the row is locked, as many downloads
 * as are left (up to `wanted`) are added to its count, and that number is
 * returned. Two archives racing for the last downloads share them; neither
 * exceeds the cap.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';

/** How many of `wanted` downloads the link granted (0 when its cap is used up). */
export async function reserveDownloads(db: Database, linkId: string, wanted: number): Promise<number> {
  if (wanted <= 0) return 0;
  const result = await db.execute(sql`
    with cur as (
      select id, least(${wanted}::int, coalesce(max_downloads - download_count, ${wanted}::int)) as granted
      from share_links where id = ${linkId}::uuid for update)
    update share_links s set download_count = s.download_count + cur.granted
    from cur where s.id = cur.id and cur.granted > 0
    returning cur.granted`);
  const [row] = rowsOf<{ granted: number | string }>(result);
  return row ? Number(row.granted) : 0;
}

/** Downloads left on a link without taking any (null: no cap). */
export const downloadsLeft = (link: { maxDownloads: number | null; downloadCount: number }): number | null =>
  link.maxDownloads === null ? null : Math.max(0, link.maxDownloads - link.downloadCount);
