/**
 * The library suites' world and their IDOR matrix. A world is one private
 * asset in one private collection, both owned by `owner`, and one caller per
 * way of reaching them (direct grants of each permission, a group grant, an
 * org grant on the collection, an expired grant, nobody). A matrix case is a
 * request and the status every caller must get; cases that change state get
 * a fresh world per caller.
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { collectionItems, collections, grants, groupMembers, groups, orgMembers, orgs } from '../../../shared/db/schema.ts';
import type { Permission } from '../../../shared/policy/access.ts';
import { uniqueIp } from './auth.ts';
import { bearer, createAsset, createUser, uid, withDb } from './fixtures.ts';

export const ORIGIN = 'https://edge.test';

export interface CallOptions {
  as?: string | null;
  json?: unknown;
  headers?: Record<string, string>;
}

/** One API call from its own client address (per-client limits never couple tests). */
export async function api(method: string, path: string, o: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'cf-connecting-ip': uniqueIp(), ...o.headers };
  if (o.as) Object.assign(headers, await bearer(o.as));
  if (o.json !== undefined) headers['content-type'] ??= 'application/json';
  return SELF.fetch(`${ORIGIN}${path}`, { method, headers, body: o.json === undefined ? undefined : JSON.stringify(o.json) });
}

/** The JSON body of a response that must have `status` (the body text is in the failure message). */
export async function expectStatus<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export const ACTORS = [
  'owner',
  'viewer',
  'downloader',
  'editor',
  'manager',
  'groupMember',
  'orgMember',
  'expired',
  'stranger',
  'anonymous',
] as const;
export type Actor = (typeof ACTORS)[number];

/** What the access model gives each actor on the world's asset and collection. */
export const ASSET_PERMISSION: Record<Actor, Permission | null> = {
  owner: 'manage',
  viewer: 'view',
  downloader: 'download',
  editor: 'edit',
  manager: 'manage',
  groupMember: 'edit', // group grant on the asset
  orgMember: 'view', // org grant on the collection, which reaches its items
  expired: null,
  stranger: null,
  anonymous: null,
};
export const COLLECTION_PERMISSION: Record<Actor, Permission | null> = {
  owner: 'manage',
  viewer: 'view',
  downloader: null,
  editor: 'edit',
  manager: 'manage',
  groupMember: 'view',
  orgMember: 'view',
  expired: null,
  stranger: null,
  anonymous: null,
};

export interface World {
  users: Record<Exclude<Actor, 'anonymous'>, string>;
  asset: string;
  collection: string;
  /** A public asset of a third user, outside the collection (anyone may view it). */
  publicAsset: string;
}

export async function buildWorld(opts: { assetDeleted?: boolean } = {}): Promise<World> {
  return withDb(async (db) => {
    const names = ACTORS.filter((a) => a !== 'anonymous');
    const ids = await Promise.all(names.map((n) => createUser(db, n)));
    const users = Object.fromEntries(names.map((n, i) => [n, ids[i]!])) as World['users'];
    const asset = await createAsset(db, users.owner, {
      filename: `world-${uid()}.jpg`,
      ...(opts.assetDeleted ? { deletedAt: new Date(), purgeAfter: new Date(Date.now() + 86_400_000) } : {}),
    });
    const publicAsset = await createAsset(db, await createUser(db, 'publisher'), { visibility: 'public' });
    const [col] = await db.insert(collections).values({ ownerId: users.owner, name: 'World' }).returning({ id: collections.id });
    const collection = col!.id;
    await db.insert(collectionItems).values({ collectionId: collection, assetId: asset, position: 0, addedBy: users.owner });
    const [org] = await db
      .insert(orgs)
      .values({ name: 'Org', slug: `org-${uid()}` })
      .returning({ id: orgs.id });
    const [group] = await db
      .insert(groups)
      .values({ orgId: org!.id, name: `g-${uid()}` })
      .returning({ id: groups.id });
    await db.insert(orgMembers).values({ orgId: org!.id, userId: users.orgMember });
    await db.insert(groupMembers).values({ groupId: group!.id, userId: users.groupMember });
    const on = (
      resourceType: 'asset' | 'collection',
      principalType: 'user' | 'group' | 'org',
      principalId: string,
      permission: Permission,
      expiresAt: Date | null = null,
    ) => ({
      resourceType,
      resourceId: resourceType === 'asset' ? asset : collection,
      principalType,
      principalId,
      permission,
      expiresAt,
      grantedBy: users.owner,
    });
    const past = new Date(Date.now() - 60_000);
    await db
      .insert(grants)
      .values([
        on('asset', 'user', users.viewer, 'view'),
        on('collection', 'user', users.viewer, 'view'),
        on('asset', 'user', users.downloader, 'download'),
        on('asset', 'user', users.editor, 'edit'),
        on('collection', 'user', users.editor, 'edit'),
        on('asset', 'user', users.manager, 'manage'),
        on('collection', 'user', users.manager, 'manage'),
        on('asset', 'group', group!.id, 'edit'),
        on('collection', 'group', group!.id, 'view'),
        on('collection', 'org', org!.id, 'view'),
        on('asset', 'user', users.expired, 'manage', past),
        on('collection', 'user', users.expired, 'manage', past),
      ]);
    return { users, asset, collection, publicAsset };
  });
}

export const userOf = (w: World, actor: Actor): string | null => (actor === 'anonymous' ? null : w.users[actor]);

export interface MatrixCase {
  name: string;
  request: (w: World) => { method: string; path: string; json?: unknown };
  /** The status each actor must get. */
  expect: Record<Actor, number>;
  /** Build a new world for every actor (for requests that change state). */
  fresh?: boolean;
  world?: { assetDeleted?: boolean };
  /** Extra checks on a successful response that got the expected status. */
  check?: (res: Response, actor: Actor, w: World) => Promise<void>;
}

/** Statuses from a permission rule: `need` passes, a lower permission is 403, none is 404, anonymous is `anonymous`. */
export function byPermission(
  table: Record<Actor, Permission | null>,
  need: Permission,
  ok: number,
  anonymous = 401,
): Record<Actor, number> {
  const rank = ['view', 'download', 'edit', 'manage'];
  return Object.fromEntries(
    ACTORS.map((a) => {
      if (a === 'anonymous') return [a, anonymous];
      const have = table[a];
      if (have === null) return [a, 404];
      return [a, rank.indexOf(have) >= rank.indexOf(need) ? ok : 403];
    }),
  ) as Record<Actor, number>;
}

/**
 * Runs every case for every actor: exactly the expected status, nothing more
 * and nothing less. Actors go one after another (simple to read when one
 * fails; PGlite would run them one at a time anyway).
 */
export function idorMatrix(title: string, cases: MatrixCase[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const shared = c.fresh ? null : await buildWorld(c.world);
        const results: Partial<Record<Actor, number>> = {};
        for (const actor of ACTORS) {
          const w = shared ?? (await buildWorld(c.world));
          const req = c.request(w);
          const res = await api(req.method, req.path, { as: userOf(w, actor), ...(req.json === undefined ? {} : { json: req.json }) });
          if (res.ok && res.status === c.expect[actor] && c.check) await c.check(res.clone(), actor, w);
          results[actor] = res.status;
          await res.body?.cancel();
        }
        expect(results).toEqual(c.expect);
      });
    }
  });
}
