/**
 * Full-text search over what the caller may see (visible-live-assets.ts,
 * behind which `accessibleAssets` decides): the generated
 * `assets.search_vector` (file name and title, description, tags, metadata
 * strings; GIN index) against the query parsed twice with
 * websearch_to_tsquery — `english` (so "running" finds "run") OR `simple`
 * (so file names and words the stemmer would change match as typed).
 *
 * Ranked by ts_rank_cd, then newest, then id: a total order, so keyset pages
 * (rank, created_at, id) never skip or repeat a row, ties included. The rank
 * travels in the cursor as Postgres prints the float4, which parses back to
 * the same value.
 */
import { and, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets } from '../../shared/db/schema.ts';
import { summaryColumns, type SummaryRow } from './asset-rows.ts';
import { decodeCursor, page, slot } from '../api/cursor.ts';
import { visibleLiveAssets } from '../access/visible-live-assets.ts';

export interface SearchRow extends SummaryRow {
  rank: number;
  rankKey: string;
}

export interface SearchQuery {
  userId: string;
  now: Date;
  q: string;
  limit: number;
  cursor?: string | undefined;
}

/** The search query, unexecuted (bench/library.ts EXPLAINs it). */
export function searchAssetsQuery(db: Database, q: SearchQuery) {
  const query = sql`(websearch_to_tsquery('english', ${q.q}) || websearch_to_tsquery('simple', ${q.q}))`;
  const rank = sql<number>`ts_rank_cd("assets"."search_vector", ${query})`;
  const conditions: SQL[] = [sql`"assets"."search_vector" @@ ${query}`, visibleLiveAssets(q.userId, q.now)];
  if (q.cursor) {
    const [r, at, id] = decodeCursor('search', q.cursor, [slot.real, slot.timestamp, slot.uuid]) as [string, string, string];
    conditions.push(sql`(${rank} < ${r}::real or (${rank} = ${r}::real and (
      "assets"."created_at" < ${at}::timestamptz or ("assets"."created_at" = ${at}::timestamptz and "assets"."id" > ${id}::uuid))))`);
  }
  return db
    .select({ ...summaryColumns, rank, rankKey: sql<string>`${rank}::text` })
    .from(assets)
    .where(and(...conditions))
    .orderBy(sql`${rank} desc`, sql`"assets"."created_at" desc`, sql`"assets"."id" asc`)
    .limit(q.limit + 1);
}

export async function searchAssets(db: Database, q: SearchQuery): Promise<{ rows: SearchRow[]; nextCursor: string | null }> {
  const rows = await searchAssetsQuery(db, q);
  const result = page(rows as SearchRow[], q.limit, 'search', (r) => [r.rankKey, r.createdKey, r.id]);
  return { rows: result.rows.map((r) => ({ ...r, rank: Number(r.rank) })), nextCursor: result.nextCursor };
}
