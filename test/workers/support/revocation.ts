/**
 * For the revocation suite: a small world owned by a real (registered) user,
 * the requests that change data or hand out access that an ended session
 * must no longer make, and a snapshot of every row those requests would
 * touch, so a test can show that nothing changed.
 */
import { count, eq, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { assets, collections, grants, orgMembers, orgs, shareLinks, uploads, users } from '../../../shared/db/schema.ts';
import { call, errorOf, PASSWORD } from './auth.ts';
import { createAsset, createUser, uid, withDb } from './fixtures.ts';

export interface World {
  userId: string;
  assetId: string;
  /** Another user, the principal of the grant the writes try to create. */
  otherId: string;
}

/** An asset of `userId`, and another user who shares an org with them (so a grant to them is allowed). */
export async function worldOf(userId: string): Promise<World> {
  return withDb(async (db) => {
    const assetId = await createAsset(db, userId);
    const otherId = await createUser(db, 'other');
    const [org] = await db
      .insert(orgs)
      .values({ name: 'Revocation', slug: `rev-${uid()}` })
      .returning({ id: orgs.id });
    await db.insert(orgMembers).values([
      { orgId: org!.id, userId, role: 'owner' },
      { orgId: org!.id, userId: otherId },
    ]);
    return { userId, assetId, otherId };
  });
}

export interface Probe {
  name: string;
  method: string;
  path: string;
  json?: unknown;
}

const MiB = 2 ** 20;

/** Requests that change data or give access (a mutating method, or a read that signs a credential). */
export const writes = (w: World): Probe[] => [
  { name: 'PATCH asset', method: 'PATCH', path: `/api/assets/${w.assetId}`, json: { title: 'changed by an ended session' } },
  {
    name: 'POST grant',
    method: 'POST',
    path: '/api/grants',
    json: { resourceType: 'asset', resourceId: w.assetId, principalType: 'user', principalId: w.otherId, permission: 'manage' },
  },
  { name: 'POST share link', method: 'POST', path: '/api/share-links', json: { resourceType: 'asset', resourceId: w.assetId } },
  { name: 'POST collection', method: 'POST', path: '/api/collections', json: { name: 'made by an ended session' } },
  { name: 'POST upload', method: 'POST', path: '/api/uploads', json: { filename: 'a.jpg', size: 10, contentType: 'image/jpeg' } },
  {
    name: 'POST /s3/multipart',
    method: 'POST',
    path: '/s3/multipart',
    json: { filename: 'big.bin', type: 'application/octet-stream', metadata: { size: 12 * MiB } },
  },
  { name: 'GET /s3/params (signs an upload)', method: 'GET', path: '/s3/params?filename=a.jpg&type=image%2Fjpeg&metadata%5Bsize%5D=10' },
  { name: 'GET share links (carries link tokens)', method: 'GET', path: `/api/share-links?resourceType=asset&resourceId=${w.assetId}` },
  { name: 'DELETE asset', method: 'DELETE', path: `/api/assets/${w.assetId}` },
  {
    name: 'POST password',
    method: 'POST',
    path: '/api/auth/password',
    json: { currentPassword: PASSWORD, newPassword: 'an ended session chose this' },
  },
];

export function send(p: Probe, token: string): Promise<Response> {
  return call(p.path, { method: p.method, token, ...(p.json === undefined ? {} : { json: p.json }) });
}

/** Every row the writes above could create or change. */
export function snapshot(w: World) {
  return withDb(async (db) => {
    const [asset] = await db
      .select({ title: assets.title, deletedAt: assets.deletedAt, visibility: assets.visibility })
      .from(assets)
      .where(eq(assets.id, w.assetId));
    const [user] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, w.userId));
    const n = async (q: Promise<{ n: number }[]>) => (await q)[0]!.n;
    return {
      asset,
      passwordHash: user!.passwordHash,
      assets: await n(db.select({ n: count() }).from(assets).where(eq(assets.ownerId, w.userId))),
      grants: await n(db.select({ n: count() }).from(grants).where(eq(grants.resourceId, w.assetId))),
      links: await n(db.select({ n: count() }).from(shareLinks).where(eq(shareLinks.resourceId, w.assetId))),
      collections: await n(db.select({ n: count() }).from(collections).where(eq(collections.ownerId, w.userId))),
      uploads: await n(db.select({ n: count() }).from(uploads).where(eq(uploads.userId, w.userId))),
      refreshFamilies: await n(
        db.select({ n: sql<number>`count(distinct family_id)::int` }).from(sql`refresh_tokens`).where(sql`user_id = ${w.userId}`),
      ),
    };
  });
}

export async function expectSessionEnded(res: Response, label: string): Promise<void> {
  expect(res.status, label).toBe(401);
  expect(res.headers.get('www-authenticate'), label).toBe('Bearer realm="media-platform", error="invalid_token"');
  const error = await errorOf(res);
  expect(error.code, label).toBe('session_ended');
  expect(error.message, label).toBe('The session has ended. Sign in again.');
  expect(error.requestId, label).toMatch(/\S/);
}

/** Every write with `token` is refused with 401 `session_ended`, and no row changed. */
export async function expectWritesRefused(token: string, w: World): Promise<void> {
  const before = await snapshot(w);
  for (const probe of writes(w)) await expectSessionEnded(await send(probe, token), probe.name);
  expect(await snapshot(w)).toEqual(before);
}
