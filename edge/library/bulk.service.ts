/**
 * Bulk changes to many assets (`POST /api/assets/bulk`): each item is
 * decided by the one access gate (edge/access/gate.ts, one statement for all
 * items) exactly as the single-asset route would decide it, then every item
 * that passed is written in ONE transaction of a few set-based statements.
 * The answer reports per item, in request order: an item refused (not found,
 * forbidden, conflict) changes nothing, the others are all written, or none
 * is when the transaction fails (a 5xx).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { auditLog } from '../../shared/db/schema.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import type { Permission } from '../../shared/policy/access.ts';
import { requireEachAssetPermission, type EachAsset } from '../access/gate.ts';
import type { AuditContext, AuditEvent } from '../audit/write-audit.ts';
import { AppError, type ErrorCode } from '../errors.ts';
import { MAX_COLLECTION_ITEMS, MAX_TAGS_PER_ASSET } from './schemas.ts';
import { uniqueNames } from './tags.service.ts';

export type BulkRequest =
  | { action: 'trash' | 'restore'; assetIds: string[] }
  | { action: 'tag' | 'untag'; assetIds: string[]; tags: string[] }
  | { action: 'add-to-collection'; assetIds: string[]; collectionId: string };

export type BulkItemResult = { id: string; ok: true } | { id: string; ok: false; error: { code: ErrorCode; message: string } };

export interface BulkContext {
  db: Database;
  userId: string;
  now: Date;
  retentionDays: number;
  audit: AuditContext;
}

/** What each action needs on each asset, and its name for the 403 message (as the single routes word it). */
const NEEDS: Record<BulkRequest['action'], { need: Permission; what: string }> = {
  trash: { need: 'manage', what: 'Deleting an asset' },
  restore: { need: 'view', what: 'Restoring an asset' },
  tag: { need: 'edit', what: 'Tagging an asset' },
  untag: { need: 'edit', what: 'Tagging an asset' },
  'add-to-collection': { need: 'view', what: 'Adding to a collection' },
};

const inTrash = () => new AppError('conflict', 'The asset is in the trash; restore it first.');
const uuidArray = (ids: readonly string[]) =>
  sql`array[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
const textArray = (values: readonly string[]) =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;

type Passed = Extract<EachAsset, { ok: true }>;

/** Runs the action; the collection (add-to-collection) was checked by the route. */
export async function runBulk(ctx: BulkContext, req: BulkRequest): Promise<BulkItemResult[]> {
  const { need, what } = NEEDS[req.action];
  const decided = await requireEachAssetPermission(ctx.db, req.assetIds, { userId: ctx.userId }, need, ctx.now, { what });
  const refused = new Map<string, AppError>();
  for (const d of decided) if (!d.ok) refused.set(d.id, d.error);
  const refuse = (d: Passed, error: AppError) => refused.set(d.id, error);
  const passed = decided.filter((d): d is Passed => d.ok);

  // Item checks the single routes make after the gate, on the facts just loaded.
  for (const d of passed) {
    if (req.action === 'restore' && d.asset.ownerId !== ctx.userId)
      refuse(d, new AppError('forbidden', 'Only the owner can restore an asset.'));
    else if (req.action === 'restore' && !d.asset.deletedAt) refuse(d, new AppError('conflict', 'The asset is not in the trash.'));
    else if ((req.action === 'tag' || req.action === 'untag' || req.action === 'add-to-collection') && d.asset.deletedAt)
      refuse(d, inTrash());
  }
  const todo = passed.filter((d) => !refused.has(d.id));
  if (todo.length > 0) {
    await ctx.db.transaction(async (tx) => {
      const more = await write(tx, ctx, req, todo);
      for (const [id, error] of more) refused.set(id, error);
    });
  }
  return req.assetIds.map((id) => {
    const error = refused.get(id);
    return error ? { id, ok: false, error: { code: error.code, message: error.message } } : { id, ok: true };
  });
}

/** The writes; returns the items refused on the way (a race, a full collection, too many tags). */
async function write(tx: Database, ctx: BulkContext, req: BulkRequest, todo: Passed[]): Promise<Map<string, AppError>> {
  const ids = todo.map((d) => d.asset.id);
  const refused = new Map<string, AppError>();
  const byAssetId = new Map(todo.map((d) => [d.asset.id, d]));
  const at = sql`${ctx.now.toISOString()}::timestamptz`;
  switch (req.action) {
    case 'trash': {
      const purgeAfter = new Date(ctx.now.getTime() + ctx.retentionDays * 86_400_000);
      // Already in the trash is the same outcome (as DELETE /api/assets/:id answers 204).
      const rows = await select<{ id: string; owner_id: string }>(
        tx,
        sql`update assets set deleted_at = ${at}, purge_after = ${purgeAfter.toISOString()}::timestamptz, updated_at = ${at}
          where id = any(${uuidArray(ids)}) and deleted_at is null returning id, owner_id`,
      );
      await audits(
        tx,
        ctx.audit,
        rows.map((r) => ({
          action: 'asset.delete',
          actorId: ctx.userId,
          resource: { type: 'asset', id: r.id },
          detail: { ownerId: r.owner_id, purgeAfter: purgeAfter.toISOString(), bulk: true },
        })),
      );
      return refused;
    }
    case 'restore': {
      const rows = await select<{ id: string }>(
        tx,
        sql`update assets set deleted_at = null, purge_after = null, updated_at = ${at}
          where id = any(${uuidArray(ids)}) and deleted_at is not null and (purge_after is null or purge_after > ${at}) returning id`,
      );
      const restored = new Set(rows.map((r) => r.id));
      for (const id of ids)
        if (!restored.has(id))
          refused.set(byAssetId.get(id)!.id, new AppError('conflict', 'The asset is being purged and cannot be restored.'));
      await audits(
        tx,
        ctx.audit,
        rows.map((r) => ({ action: 'asset.restore', actorId: ctx.userId, resource: { type: 'asset', id: r.id }, detail: { bulk: true } })),
      );
      return refused;
    }
    case 'tag':
    case 'untag':
      return retag(tx, ctx, req.action, uniqueNames(req.tags), todo);
    case 'add-to-collection':
      return addToCollection(tx, ctx, req.collectionId, todo);
  }
}

/**
 * Adds (or removes) the names on every asset: tags belong to each asset's
 * owner, so they are created per owner; `tags_text` is rewritten for the
 * assets changed, as setAssetTags does for one.
 */
async function retag(tx: Database, ctx: BulkContext, action: 'tag' | 'untag', names: string[], todo: Passed[]) {
  const refused = new Map<string, AppError>();
  let ids = todo.map((d) => d.asset.id);
  // Locked in one order, as setAssetTags locks one asset, so concurrent writers of a tag list take turns.
  await tx.execute(sql`select id from assets where id = any(${uuidArray(ids)}) order by id for update`);
  const lowered = textArray(names);
  if (action === 'tag') {
    const over = await select<{ asset_id: string }>(
      tx,
      sql`select a.id as asset_id from assets a
        where a.id = any(${uuidArray(ids)}) and (
          select count(distinct n) from (
            select lower(t.name) as n from asset_tags at join tags t on t.id = at.tag_id where at.asset_id = a.id
            union select lower(w) from unnest(${lowered}) w) u) > ${MAX_TAGS_PER_ASSET}`,
    );
    for (const r of over) refused.set(r.asset_id, new AppError('conflict', `An asset holds at most ${MAX_TAGS_PER_ASSET} tags.`));
    ids = ids.filter((id) => !refused.has(id));
    if (ids.length === 0) return refused;
    await tx.execute(sql`insert into tags (owner_id, name)
      select distinct a.owner_id, w.name from assets a, unnest(${lowered}) as w(name) where a.id = any(${uuidArray(ids)})
      on conflict (owner_id, lower(name)) do nothing`);
    await tx.execute(sql`insert into asset_tags (asset_id, tag_id)
      select a.id, t.id from assets a join tags t on t.owner_id = a.owner_id
      where a.id = any(${uuidArray(ids)}) and lower(t.name) in (select lower(w) from unnest(${lowered}) w)
      on conflict do nothing`);
  } else {
    await tx.execute(sql`delete from asset_tags at using tags t, assets a
      where at.tag_id = t.id and a.id = at.asset_id and t.owner_id = a.owner_id
        and at.asset_id = any(${uuidArray(ids)}) and lower(t.name) in (select lower(w) from unnest(${lowered}) w)`);
  }
  await tx.execute(sql`update assets a set updated_at = ${ctx.now.toISOString()}::timestamptz, tags_text = coalesce((
      select string_agg(t.name, ' ' order by lower(t.name)) from asset_tags at join tags t on t.id = at.tag_id where at.asset_id = a.id), '')
    where a.id = any(${uuidArray(ids)})`);
  // Map back to the ids as the caller spelled them.
  return new Map([...refused].map(([id, e]) => [todo.find((d) => d.asset.id === id)!.id, e]));
}

/** Appends the assets, in request order, to the collection (whose row is locked, as addItem does). */
async function addToCollection(tx: Database, ctx: BulkContext, collectionId: string, todo: Passed[]) {
  const refused = new Map<string, AppError>();
  await tx.execute(sql`select id from collections where id = ${collectionId}::uuid for update`);
  const [state] = await select<{ count: number; present: string[] | null }>(
    tx,
    sql`select count(*)::int as count, array_agg(asset_id) filter (where asset_id = any(${uuidArray(todo.map((d) => d.asset.id))})) as present
      from collection_items where collection_id = ${collectionId}::uuid`,
  );
  const present = new Set(state?.present ?? []);
  let next = Number(state?.count ?? 0);
  const rows: SQL[] = [];
  const seen = new Set<string>();
  for (const d of todo) {
    if (present.has(d.asset.id) || seen.has(d.asset.id))
      refused.set(d.id, new AppError('conflict', 'The asset is already in this collection.'));
    else if (next >= MAX_COLLECTION_ITEMS)
      refused.set(d.id, new AppError('conflict', `A collection holds at most ${MAX_COLLECTION_ITEMS} items.`));
    else {
      seen.add(d.asset.id);
      rows.push(sql`(${collectionId}::uuid, ${d.asset.id}::uuid, ${next++}, ${ctx.userId}::uuid)`);
    }
  }
  if (rows.length > 0)
    await tx.execute(sql`insert into collection_items (collection_id, asset_id, position, added_by) values ${sql.join(rows, sql`, `)}`);
  return refused;
}

const select = async <T>(tx: Database, query: SQL): Promise<T[]> => rowsOf<T>(await tx.execute(query));

/** Audit rows for many changes, one statement (the same columns as writeAudit). */
async function audits(tx: Database, ctx: AuditContext, events: AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(auditLog).values(
    events.map((e) => ({
      action: e.action,
      actorId: e.actorId,
      resourceType: e.resource?.type ?? null,
      resourceId: e.resource?.id ?? null,
      ip: ctx.ip,
      requestId: ctx.requestId,
      detail: e.detail ?? {},
    })),
  );
}
