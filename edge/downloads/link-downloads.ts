/**
 * A collection link's archive counts one download per file it holds, taken
 * from the link's cap in one statement: the row is locked, as many downloads
 * as are left (up to `wanted`) are added to its count, and that number is
 * returned. Two archives racing for the last downloads share them; neither
 * exceeds the cap.
 *
 * The same statement writes one `share_link.downloaded` webhook event for the
 * link's creator (shared/webhooks/outbox.ts), as a single file's download
 * does: `data.archive` is true and `data.resourceId` names the collection
 * (the files are the collection's, as the archive's MANIFEST lists them). An
 * archive the cap refused writes none.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import { outboxInsertSql } from '../../shared/webhooks/outbox.ts';

/** How many of `wanted` downloads the link granted (0 when its cap is used up). */
export async function reserveDownloads(
  db: Database,
  link: { id: string; resourceId: string },
  wanted: number,
  now = new Date(),
): Promise<number> {
  if (wanted <= 0) return 0;
  const event = outboxInsertSql(
    'share_link.downloaded',
    sql`select l.created_by from share_links l where l.id = ${link.id}::uuid`,
    { linkId: link.id, resourceType: 'collection', resourceId: link.resourceId, archive: true },
    now,
    sql`exists (select 1 from counted)`,
  );
  const result = await db.execute(sql`
    with cur as (
      select id, least(${wanted}::int, coalesce(max_downloads - download_count, ${wanted}::int)) as granted
      from share_links where id = ${link.id}::uuid for update),
    counted as (
      update share_links s set download_count = s.download_count + cur.granted
      from cur where s.id = cur.id and cur.granted > 0
      returning cur.granted),
    event as (${event})
    select granted from counted`);
  const [row] = rowsOf<{ granted: number | string }>(result);
  return row ? Number(row.granted) : 0;
}

/** Downloads left on a link without taking any (null: no cap). */
export const downloadsLeft = (link: { maxDownloads: number | null; downloadCount: number }): number | null =>
  link.maxDownloads === null ? null : Math.max(0, link.maxDownloads - link.downloadCount);
