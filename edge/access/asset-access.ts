/**
 * Loads the facts shared/policy/access.ts decides on, in ONE statement (each
 * statement is a round trip from the edge to the region, docs/benchmarks.md):
 * the asset, the live collections holding it (with who put it there), and —
 * unless the caller owns it, when nothing can outrank ownership — the grants
 * that can matter (every unexpired manage grant on the asset and those
 * collections, and the caller's own) with the memberships of everyone whose
 * decisions the policy weighs (the caller, grantors, adders, publishers, the
 * link's creator). Callers may select more columns of the asset row in the
 * same statement (`extra`: the asset detail, a share link's row).
 */
import { eq, inArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import type { SelectedFieldsFlat } from 'drizzle-orm/pg-core';
import type { SelectResultFields } from 'drizzle-orm/query-builders/select.types';
import { assets } from '../../shared/db/schema.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import { reachesUser } from './visible-assets.ts';
import type { AssetFacts, Caller, CollectionFacts, GrantFacts } from '../../shared/policy/access.ts';

export interface AssetRecord extends AssetFacts {
  filename: string;
  status: string;
}

/** What the policy needs besides the asset: the caller, the grants, and the people behind them. */
export interface AccessFacts {
  caller: Caller | null;
  grants: GrantFacts[];
  people: Caller[];
}

interface JsonCollection {
  id: string;
  ownerId: string;
  visibility: 'private' | 'public';
  visibilitySetBy: string | null;
  deletedAt: string | null;
}

const toCollection = (c: JsonCollection): CollectionFacts => ({ ...c, deletedAt: c.deletedAt === null ? null : new Date(c.deletedAt) });

/** The live collections holding the asset in scope (`"assets"`), with who put it there. */
const placementsSql = sql<{ addedBy: string | null; collection: JsonCollection }[] | null>`(
  select json_agg(json_build_object('addedBy', ci.added_by, 'collection', json_build_object(
    'id', col.id, 'ownerId', col.owner_id, 'visibility', col.visibility,
    'visibilitySetBy', col.visibility_set_by, 'deletedAt', col.deleted_at)))
  from collection_items ci join collections col on col.id = ci.collection_id
  where ci.asset_id = "assets"."id" and col.deleted_at is null)`;

/** The grant condition for the asset in scope: on the asset itself, or on a live collection holding it. */
const assetResourcesSql = sql`((g.resource_type = 'asset' and g.resource_id = "assets"."id")
  or (g.resource_type = 'collection' and g.resource_id in (
    select ci.collection_id from collection_items ci join collections col on col.id = ci.collection_id
    where ci.asset_id = "assets"."id" and col.deleted_at is null)))`;

/** Whose decisions about the asset in scope the policy weighs, besides grantors: publishers, adders, the link's creator. */
const assetDecidersSql = (linkCreator: SQL) => sql`(
  select "assets"."visibility_set_by" union select ${linkCreator}
  union select x.id from collection_items ci join collections col on col.id = ci.collection_id,
    lateral (values (ci.added_by), (col.visibility_set_by)) as x(id)
  where ci.asset_id = "assets"."id" and col.deleted_at is null)`;

/** Who the request comes from, for the loader: a user, or a link holder (the link's creator is a decider). */
export interface FactsAsker {
  userId: string | null;
  /** The link's creator: an id, or SQL that yields it (a subquery on share_links, same statement). */
  linkCreator?: string | SQLWrapper | null;
}

export interface LoadedAsset<E> {
  asset: AssetRecord;
  facts: AccessFacts;
  extra: E;
}

const asUuid = (v: string | SQLWrapper | null | undefined): SQL =>
  v === null || v === undefined ? sql`null::uuid` : typeof v === 'string' ? sql`${v}::uuid` : sql`(${v})::uuid`;

/**
 * The asset, its placements and the access facts (one statement), plus the
 * `extra` columns selected from the same row; null when there is no such
 * asset. An owner's grants are not looked up (the CASE skips the subquery).
 */
export async function loadAssetFacts<E extends SelectedFieldsFlat = Record<never, never>>(
  db: Database,
  assetId: string,
  who: FactsAsker,
  now: Date,
  extra?: E,
): Promise<LoadedAsset<SelectResultFields<E>> | null> {
  const access = accessColumns(who, now);
  // Nested selections keep the caller's column names apart from the gate's.
  const [row] = await db
    .select((extra && Object.keys(extra).length ? { access, extra } : { access }) as { access: typeof access; extra: E })
    .from(assets)
    .where(eq(assets.id, assetId))
    .limit(1);
  return row ? toLoaded(row as AccessRow<SelectResultFields<E>>, who.userId) : null;
}

/**
 * {@link loadAssetFacts} for many assets in ONE statement (bulk routes):
 * the same columns per row, keyed by id; ids with no asset are absent.
 */
export async function loadAssetFactsMany(
  db: Database,
  assetIds: readonly string[],
  who: FactsAsker,
  now: Date,
): Promise<Map<string, LoadedAsset<unknown>>> {
  const found = new Map<string, LoadedAsset<unknown>>();
  if (assetIds.length === 0) return found;
  const access = accessColumns(who, now);
  const rows = await db
    .select({ access })
    .from(assets)
    .where(inArray(assets.id, [...assetIds]));
  for (const row of rows) found.set(row.access.id, toLoaded(row as AccessRow<unknown>, who.userId));
  return found;
}

/** The gate's columns of one asset row: the asset, its placements and (unless the caller owns it) the access facts. */
function accessColumns(who: FactsAsker, now: Date) {
  const userId = who.userId;
  const grantsAndPeople = grantsAndPeopleSql(userId, assetResourcesSql, assetDecidersSql(asUuid(who.linkCreator)), now);
  const owns = userId === null ? sql`false` : sql`"assets"."owner_id" = ${userId}::uuid`;
  return {
    id: assets.id,
    ownerId: assets.ownerId,
    visibility: assets.visibility,
    visibilitySetBy: assets.visibilitySetBy,
    deletedAt: assets.deletedAt,
    filename: assets.filename,
    status: assets.status,
    placements: placementsSql,
    facts: sql<JsonFacts | null>`(case when ${owns} then null else ${grantsAndPeople} end)`,
  };
}

interface AccessRow<E> {
  access: Omit<AssetRecord, 'placements'> & {
    placements: { addedBy: string | null; collection: JsonCollection }[] | null;
    facts: JsonFacts | null;
  };
  extra?: E;
}

function toLoaded<E>(row: AccessRow<E>, userId: string | null): LoadedAsset<E> {
  const { placements, facts, ...fields } = row.access;
  const asset: AssetRecord = {
    ...fields,
    placements: (placements ?? []).map((p) => ({ addedBy: p.addedBy, collection: toCollection(p.collection) })),
  };
  const accessFacts =
    facts === null ? { caller: { userId: userId!, groupIds: [], orgIds: [] }, grants: [], people: [] } : toAccessFacts(userId, facts);
  return { asset, facts: accessFacts, extra: (row.extra ?? {}) as E };
}

interface JsonGrant extends Omit<GrantFacts, 'expiresAt'> {
  expiresAt: string | null;
}

interface JsonFacts {
  grants: JsonGrant[] | null;
  people: Caller[] | null;
}

/**
 * SQL (a json object `{grants, people}`): the unexpired grants on
 * `resources` (a condition on grants `g`) that are manage grants or reach
 * the caller, and the memberships of the caller, of `deciders` (a query
 * yielding user ids) and of every grantor found.
 */
function grantsAndPeopleSql(userId: string | null, resources: SQL, deciders: SQL, now: Date): SQL<JsonFacts> {
  const reachesCaller = userId ? reachesUser(userId) : sql`false`;
  return sql<JsonFacts>`(
    with rel as (
      select g.* from grants g where (${resources})
        and (g.expires_at is null or g.expires_at > ${now.toISOString()}::timestamptz)
        and (g.permission = 'manage' or ${reachesCaller})),
    who as (
      select d.id from (select ${asUuid(userId)} as id union ${deciders} union select granted_by from rel) d(id)
      where d.id is not null)
    select json_build_object(
      'grants', (select json_agg(json_build_object(
        'resourceType', r.resource_type, 'resourceId', r.resource_id, 'principalType', r.principal_type,
        'principalId', r.principal_id, 'permission', r.permission, 'expiresAt', r.expires_at, 'grantedBy', r.granted_by)) from rel r),
      'people', (select json_agg(json_build_object(
        'userId', w.id,
        'groupIds', coalesce((select array_agg(gm.group_id) from group_members gm where gm.user_id = w.id), '{}'),
        'orgIds', coalesce((select array_agg(om.org_id) from org_members om where om.user_id = w.id), '{}')))
       from who w)))`;
}

function toAccessFacts(userId: string | null, facts: JsonFacts): AccessFacts {
  const grants = (facts.grants ?? []).map((g) => ({ ...g, expiresAt: g.expiresAt === null ? null : new Date(g.expiresAt) }));
  const people = facts.people ?? [];
  const caller = userId ? (people.find((p) => p.userId === userId) ?? { userId, groupIds: [], orgIds: [] }) : null;
  return { caller, grants, people };
}

/**
 * The unexpired grants on `resources` (a condition on grants `g`) that are
 * manage grants or reach the caller, and the memberships of the caller and of
 * `deciders` (user ids) and every grantor found. One statement.
 */
export async function loadGrantsAndPeople(
  db: Database,
  userId: string | null,
  resources: SQL,
  deciders: readonly (string | null)[],
  now: Date,
): Promise<AccessFacts> {
  const ids = deciders.filter((x): x is string => x !== null);
  const decidersSql = ids.length
    ? sql`select unnest(array[${sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )}])`
    : sql`select null::uuid`;
  const [row] = rowsOf<{ facts: JsonFacts }>(
    await db.execute(sql`select ${grantsAndPeopleSql(userId, resources, decidersSql, now)} as facts`),
  );
  return toAccessFacts(userId, row!.facts);
}
