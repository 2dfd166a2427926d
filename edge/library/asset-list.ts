/**
 * The caller's library (`GET /api/assets`) and trash (`GET /api/trash`):
 * keyset pages over (created_at desc, id) and (deleted_at desc, id). Every
 * list is filtered by `accessibleAssets`, the SQL held to the access policy
 * (through visible-live-assets.ts for the library); the scope and the
 * filters only narrow it.
 */
import { and, asc, desc, eq, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets } from '../../shared/db/schema.ts';
import { accessibleAssets } from '../access/visible-assets.ts';
import { assetTypeSql, type AssetType } from './asset-type.ts';
import { visibleLiveAssets, type Scope } from '../access/visible-live-assets.ts';
import { summaryColumns, type SummaryRow } from './asset-rows.ts';
import { decodeCursor, page, slot } from '../api/cursor.ts';

/** The filters of a library list (and of its timeline buckets). */
export interface AssetFilters {
  userId: string;
  now: Date;
  scope: Scope;
  type?: AssetType | undefined;
  tag?: string | undefined;
  collectionId?: string | undefined;
  status?: SummaryRow['status'] | undefined;
}

export interface AssetListQuery extends AssetFilters {
  limit: number;
  cursor?: string | undefined;
  /** `created` (default): by upload; `taken`: the timeline, by `taken_at`. */
  order?: 'created' | 'taken' | undefined;
  /** With `order: 'taken'`: only assets taken before this instant (ISO 8601). */
  takenBefore?: string | undefined;
}

/** Rows after (key, id) in the order `key desc, id asc`. */
export const after = (key: SQL, keyValue: string, id: string) =>
  sql`(${key} < ${keyValue}::timestamptz or (${key} = ${keyValue}::timestamptz and "assets"."id" > ${id}::uuid))`;

/** What the caller may see (the policy's SQL), narrowed by the filters. */
export function assetFilterConditions(q: AssetFilters): (SQL | undefined)[] {
  return [
    visibleLiveAssets(q.userId, q.now, q.scope),
    q.type ? sql`${assetTypeSql} = ${q.type}` : undefined,
    q.status ? eq(assets.status, q.status) : undefined,
    q.tag
      ? sql`exists (select 1 from asset_tags at join tags t on t.id = at.tag_id
          where at.asset_id = "assets"."id" and lower(t.name) = lower(${q.tag}))`
      : undefined,
    q.collectionId
      ? sql`exists (select 1 from collection_items ci where ci.asset_id = "assets"."id" and ci.collection_id = ${q.collectionId}::uuid)`
      : undefined,
  ];
}

/** The list query, unexecuted (bench/library.ts EXPLAINs it). */
export function listAssetsQuery(db: Database, q: AssetListQuery) {
  const conditions = assetFilterConditions(q);
  const taken = q.order === 'taken';
  const key = taken ? sql`"assets"."taken_at"` : sql`"assets"."created_at"`;
  if (q.cursor) {
    const [at, id] = decodeCursor(taken ? 'timeline' : 'assets', q.cursor, [slot.timestamp, slot.uuid]) as [string, string];
    conditions.push(after(key, at, id));
  }
  if (taken && q.takenBefore) conditions.push(sql`"assets"."taken_at" < ${q.takenBefore}::timestamptz`);
  return (
    db
      .select(summaryColumns)
      .from(assets)
      .where(and(...conditions))
      // NULLS LAST, as drizzle writes `.desc()` in index definitions: only then can the
      // (owner_id, <key> desc, id) and (<key> desc, id) indexes supply the order.
      .orderBy(sql`${key} desc nulls last`, asc(assets.id))
      .limit(q.limit + 1)
  );
}

export async function listAssets(db: Database, q: AssetListQuery): Promise<{ rows: SummaryRow[]; nextCursor: string | null }> {
  const rows = (await listAssetsQuery(db, q)) as SummaryRow[];
  return q.order === 'taken'
    ? page(rows, q.limit, 'timeline', (r) => [r.takenKey, r.id])
    : page(rows, q.limit, 'assets', (r) => [r.createdKey, r.id]);
}

/**
 * The timeline's months (UTC, by `taken_at`), newest first, each with how
 * many assets `GET /api/assets` with the same filters would list: the same
 * conditions, so the scrubber never counts what the list would hide.
 */
export async function timelineBuckets(db: Database, q: AssetFilters): Promise<{ month: string; count: number }[]> {
  const month = sql<string>`to_char("assets"."taken_at" at time zone 'UTC', 'YYYY-MM')`;
  const rows = await db
    .select({ month, count: sql<number>`count(*)::int` })
    .from(assets)
    .where(and(...assetFilterConditions(q)))
    .groupBy(month)
    .orderBy(desc(month));
  return rows.map((r) => ({ month: r.month, count: Number(r.count) }));
}

export interface TrashRow extends SummaryRow {
  deletedAt: Date;
  purgeAfter: Date | null;
  deletedKey: string;
}

/** The caller's own soft-deleted assets, most recently deleted first. */
export async function listTrash(
  db: Database,
  q: { userId: string; now: Date; limit: number; cursor?: string | undefined },
): Promise<{ rows: TrashRow[]; nextCursor: string | null }> {
  // The owner sees their trash through the policy too (owner → manage, deleted or not).
  const conditions: (SQL | undefined)[] = [eq(assets.ownerId, q.userId), isNotNull(assets.deletedAt), accessibleAssets(q.userId, q.now)];
  if (q.cursor) {
    const [at, id] = decodeCursor('trash', q.cursor, [slot.timestamp, slot.uuid]) as [string, string];
    conditions.push(after(sql`"assets"."deleted_at"`, at, id));
  }
  const rows = await db
    .select({
      ...summaryColumns,
      deletedAt: assets.deletedAt,
      purgeAfter: assets.purgeAfter,
      deletedKey: sql<string>`"assets"."deleted_at"::text`,
    })
    .from(assets)
    .where(and(...conditions))
    .orderBy(desc(assets.deletedAt), asc(assets.id))
    .limit(q.limit + 1);
  return page(rows as TrashRow[], q.limit, 'trash', (r) => [r.deletedKey, r.id]);
}
