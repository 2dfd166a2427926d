/**
 * Tags belong to the owner of the assets they label (unique per owner,
 * case-insensitively: "Beach" and "beach" are one tag, first spelling kept).
 * Setting an asset's tags also rewrites `assets.tags_text`, in the same
 * transaction, because the generated search vector reads that column (a
 * generated column cannot read another table).
 */
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, assetTags, tags } from '../../shared/db/schema.ts';
import { decodeCursor, page, slot } from '../api/cursor.ts';

/** The names once each, case-insensitively, first spelling first. */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    const key = n.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const textArray = (values: readonly string[]) =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;

/**
 * Replaces the asset's tags with `names` (already trimmed and checked).
 * Returns the names as stored: an existing tag keeps its first spelling.
 * Run inside a transaction: the asset row is locked so two concurrent
 * writers of one asset's tags cannot interleave.
 */
export async function setAssetTags(tx: Database, assetId: string, ownerId: string, names: readonly string[], now: Date): Promise<string[]> {
  const wanted = uniqueNames(names);
  await tx.select({ id: assets.id }).from(assets).where(eq(assets.id, assetId)).for('update');
  let stored: { id: string; name: string }[] = [];
  if (wanted.length > 0) {
    await tx.execute(sql`insert into tags (owner_id, name)
      values ${sql.join(
        wanted.map((n) => sql`(${ownerId}::uuid, ${n})`),
        sql`, `,
      )}
      on conflict (owner_id, lower(name)) do nothing`);
    // Matched with Postgres' lower(), the one the unique index uses, in the caller's order.
    const found = await tx
      .select({ id: tags.id, name: tags.name })
      .from(sql`unnest(${textArray(wanted)}) with ordinality as w(name, ord)`)
      .innerJoin(tags, sql`"tags"."owner_id" = ${ownerId}::uuid and lower("tags"."name") = lower(w.name)`)
      .orderBy(sql`w.ord`);
    const seen = new Set<string>();
    stored = found.filter((t) => !seen.has(t.id) && seen.add(t.id));
  }
  const ids = stored.map((t) => t.id);
  await tx.delete(assetTags).where(
    and(
      eq(assetTags.assetId, assetId),
      ids.length
        ? sql`"asset_tags"."tag_id" <> all(array[${sql.join(
            ids.map((i) => sql`${i}`),
            sql`, `,
          )}]::uuid[])`
        : undefined,
    ),
  );
  if (ids.length)
    await tx
      .insert(assetTags)
      .values(ids.map((tagId) => ({ assetId, tagId })))
      .onConflictDoNothing();
  const result = stored.map((t) => t.name);
  await tx
    .update(assets)
    .set({ tagsText: result.join(' '), updatedAt: now })
    .where(eq(assets.id, assetId));
  return result;
}

export interface TagRow {
  id: string;
  name: string;
  count: number;
}

/**
 * The owner's tags that label at least one asset, by name, with how many of
 * their live (not trashed) assets each labels.
 */
export async function listTags(
  db: Database,
  q: { ownerId: string; limit: number; cursor?: string | undefined },
): Promise<{ rows: TagRow[]; nextCursor: string | null }> {
  const key = sql<string>`lower("tags"."name")`;
  const conditions: SQL[] = [eq(tags.ownerId, q.ownerId)];
  if (q.cursor) {
    const [k, id] = decodeCursor('tags', q.cursor, [slot.text, slot.uuid]) as [string, string];
    conditions.push(sql`(${key} > ${k} or (${key} = ${k} and "tags"."id" > ${id}::uuid))`);
  }
  const rows = await db
    .select({
      id: tags.id,
      name: tags.name,
      key,
      count: sql<number>`(count(*) filter (where "assets"."deleted_at" is null))::int`,
    })
    .from(tags)
    .innerJoin(assetTags, eq(assetTags.tagId, tags.id))
    .innerJoin(assets, eq(assets.id, assetTags.assetId))
    .where(and(...conditions))
    .groupBy(tags.id)
    .orderBy(asc(key), asc(tags.id))
    .limit(q.limit + 1);
  const { rows: kept, nextCursor } = page(rows, q.limit, 'tags', (r) => [r.key, r.id]);
  return { rows: kept.map(({ id, name, count }) => ({ id, name, count: Number(count) })), nextCursor };
}
