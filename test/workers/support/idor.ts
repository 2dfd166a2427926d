/**
 * A reusable IDOR matrix: every route is called by every kind of caller in
 * one seeded world, and each must get exactly the status the access model
 * allows. A row names a route and the status each caller expects:
 *
 * ```ts
 * runIdorMatrix('library', [
 *   { name: 'GET /api/assets/:id', method: 'GET', path: (c) => `/api/assets/${c.assetId}`,
 *     expect: { owner: 200, groupMember: 200, orgMember: 200, stranger: 404, anonymous: 401 } },
 * ]);
 * ```
 *
 * The world (seeded straight into the database, not through the routes under
 * test), with `owner` owning everything:
 * - org `orgId` (owner: owner; members: orgMember, groupMember) and group
 *   `groupId` (groupMember);
 * - `assetId`: private, in org, inside collection `collectionId`; grant
 *   group → view on the asset, grant org → view on the collection; so both
 *   members may view it (and the collection) and nothing more;
 * - `privateAssetId`: private, in org, no grants: the owner's alone;
 * - `managedAssetId`: grant group → manage: groupMember manages it, orgMember
 *   does not see it;
 * - `link` (download link on assetId), `collectionLink` (view link on the
 *   collection) and `passwordLink` (on assetId, password `passwordLink.password`);
 * - w320.webp and original stored for every asset.
 *
 * Callers: `owner`, `groupMember`, `orgMember`, `stranger` (signed in, no
 * relation), `anonymous` (no credentials) and `linkHolder` (no account, holds
 * the links' tokens; rows may give it its own path with `c.role`; its
 * expectation defaults to the anonymous one). Rows that change state get
 * fresh resources per caller from `setup`, so one caller's success never
 * changes what the next one sees; callers run in the order of {@link ROLES},
 * owner last.
 */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { grants } from '../../../shared/db/schema.ts';
import { uniqueIp } from './auth.ts';
import { bearer, createAsset, createUser, putVariant, withDb } from './fixtures.ts';
import { seedCollection, seedGroup, seedLink, seedMember, seedOrg } from './sharing-api.ts';
import { hashPassword } from '../../../edge/auth/password.ts';

export const ROLES = ['anonymous', 'linkHolder', 'stranger', 'orgMember', 'groupMember', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export interface IdorWorld {
  ownerId: string;
  groupMemberId: string;
  orgMemberId: string;
  strangerId: string;
  orgId: string;
  groupId: string;
  assetId: string;
  privateAssetId: string;
  managedAssetId: string;
  collectionId: string;
  link: { id: string; token: string };
  collectionLink: { id: string; token: string };
  passwordLink: { id: string; token: string; password: string };
  /** What each caller sends (Authorization for signed-in callers). */
  headers: Record<Role, Record<string, string>>;
}

/** A row's view of the world: the world, who is calling, and what `setup` made for this caller. */
export type IdorContext<S> = IdorWorld & { role: Role; fresh: S };

/** One status, or any of several. */
export type Expected = number | readonly number[];

export interface IdorRow<S = undefined> {
  name: string;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fresh resources for one caller's request (called once per caller). */
  setup?: (world: IdorWorld, role: Role) => Promise<S>;
  path: (c: IdorContext<S>) => string;
  body?: (c: IdorContext<S>) => unknown;
  expect: Record<Exclude<Role, 'linkHolder'>, Expected> & { linkHolder?: Expected };
  /** More assertions on a successful (2xx) answer. */
  check?: (res: Response, c: IdorContext<S>) => Promise<void>;
}

/** Type helper so each row's `setup` result types its `fresh`. */
export const row = <S = undefined>(r: IdorRow<S>): IdorRow<unknown> => r as IdorRow<unknown>;

export async function seedIdorWorld(): Promise<IdorWorld> {
  const ids = await withDb(async (db) => ({
    ownerId: await createUser(db, 'idor-owner'),
    groupMemberId: await createUser(db, 'idor-group-member'),
    orgMemberId: await createUser(db, 'idor-org-member'),
    strangerId: await createUser(db, 'idor-stranger'),
  }));
  const orgId = await seedOrg(ids.ownerId, { name: 'IDOR org' });
  await seedMember(orgId, ids.orgMemberId);
  await seedMember(orgId, ids.groupMemberId);
  const groupId = await seedGroup(orgId, [ids.groupMemberId]);
  const [assetId, privateAssetId, managedAssetId] = await withDb(async (db) => [
    await createAsset(db, ids.ownerId, { orgId, filename: 'shared.jpg' }),
    await createAsset(db, ids.ownerId, { orgId, filename: 'private.jpg' }),
    await createAsset(db, ids.ownerId, { orgId, filename: 'managed.jpg' }),
  ]);
  const collectionId = await seedCollection(ids.ownerId, [assetId], { orgId });
  await withDb((db) =>
    db.insert(grants).values([
      {
        resourceType: 'asset',
        resourceId: assetId,
        principalType: 'group',
        principalId: groupId,
        permission: 'view',
        grantedBy: ids.ownerId,
      },
      {
        resourceType: 'collection',
        resourceId: collectionId,
        principalType: 'org',
        principalId: orgId,
        permission: 'view',
        grantedBy: ids.ownerId,
      },
      {
        resourceType: 'asset',
        resourceId: managedAssetId,
        principalType: 'group',
        principalId: groupId,
        permission: 'manage',
        grantedBy: ids.ownerId,
      },
    ]),
  );
  for (const id of [assetId, privateAssetId, managedAssetId]) {
    await putVariant(id, 'w320.webp', `thumb ${id}`, 'image/webp');
    await putVariant(id, 'original', `original ${id}`, 'image/jpeg');
  }
  const link = await seedLink({ resourceId: assetId, createdBy: ids.ownerId, permission: 'download' });
  const collectionLink = await seedLink({ resourceType: 'collection', resourceId: collectionId, createdBy: ids.ownerId });
  const password = 'idor matrix password';
  const passwordLink = {
    ...(await seedLink({ resourceId: assetId, createdBy: ids.ownerId, passwordHash: await hashPassword(password) })),
    password,
  };
  const headers = {
    anonymous: {},
    linkHolder: {},
    stranger: await bearer(ids.strangerId),
    orgMember: await bearer(ids.orgMemberId),
    groupMember: await bearer(ids.groupMemberId),
    owner: await bearer(ids.ownerId),
  };
  return { ...ids, orgId, groupId, assetId, privateAssetId, managedAssetId, collectionId, link, collectionLink, passwordLink, headers };
}

/** A share token nobody issued: a real one with its signature changed. */
export const forged = (token: string): string => `${token.slice(0, -6)}${token.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;

const matches = (status: number, expected: Expected) => (typeof expected === 'number' ? status === expected : expected.includes(status));

async function callAs<S>(r: IdorRow<S>, world: IdorWorld, role: Role): Promise<{ status: number; body: string }> {
  const fresh = (r.setup ? await r.setup(world, role) : undefined) as S;
  const c: IdorContext<S> = { ...world, role, fresh };
  const body = r.body?.(c);
  const headers: Record<string, string> = { 'cf-connecting-ip': uniqueIp(), ...world.headers[role] };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await SELF.fetch(`https://edge.test${r.path(c)}`, {
    method: r.method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.check && res.ok) await r.check(res.clone(), c);
  return { status: res.status, body: await res.text() };
}

/**
 * Registers one test per row. Each compares the whole caller → status table
 * at once, so a failure shows every caller that got the wrong answer.
 */
export function runIdorMatrix(title: string, rows: readonly IdorRow<unknown>[], seed: () => Promise<IdorWorld> = seedIdorWorld): void {
  describe(`IDOR matrix: ${title}`, () => {
    let world: IdorWorld;
    beforeAll(async () => {
      world = await seed();
    }, 60_000);

    for (const r of rows) {
      it(`${r.name}`, async () => {
        const expected: Record<Role, Expected> = { ...r.expect, linkHolder: r.expect.linkHolder ?? r.expect.anonymous };
        const got: Partial<Record<Role, number>> = {};
        const wrong: string[] = [];
        for (const role of ROLES) {
          const { status, body } = await callAs(r, world, role);
          got[role] = status;
          if (!matches(status, expected[role]))
            wrong.push(`${role}: expected ${JSON.stringify(expected[role])}, got ${status} ${body.slice(0, 200)}`);
        }
        expect(wrong, `${r.method} ${r.name}`).toEqual([]);
      });
    }
  });
}
