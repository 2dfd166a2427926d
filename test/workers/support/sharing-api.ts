/**
 * Helpers for the sharing suites: JSON calls through the Worker (SELF), each
 * from its own client address so per-client limits never couple tests, as a
 * user (a freshly signed access token) or anonymously; seeding helpers for
 * orgs, groups, grants and share links written straight to the database; and
 * {@link addMember}, which joins an org the way people do (invite + accept).
 */
import { SELF } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import {
  collectionItems,
  collections,
  grants,
  groupMembers,
  groups,
  orgMembers,
  orgs,
  shareLinks,
  users,
} from '../../../shared/db/schema.ts';
import { signShareToken } from '../../../shared/tokens/index.ts';
import { uniqueIp } from './auth.ts';
import { bearer, keys, party, uid, withDb } from './fixtures.ts';

export const ORIGIN = 'https://edge.test';

export interface ApiOptions {
  /** Act as this user (Bearer access token). */
  as?: string;
  json?: unknown;
  headers?: Record<string, string>;
  ip?: string;
}

export async function api(method: string, path: string, o: ApiOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { 'cf-connecting-ip': o.ip ?? uniqueIp(), ...o.headers };
  if (o.as) Object.assign(headers, await bearer(o.as));
  if (o.json !== undefined) headers['content-type'] ??= 'application/json';
  return SELF.fetch(`${ORIGIN}${path}`, { method, headers, body: o.json === undefined ? undefined : JSON.stringify(o.json) });
}

/** The body of a response expected to have `status`, failing with the body text otherwise. */
export async function expectJson<T = any>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

export const slug = () => `org-${uid().slice(0, 8)}`;

export async function seedOrg(ownerId: string, fields: Partial<typeof orgs.$inferInsert> = {}): Promise<string> {
  return withDb(async (db) => {
    const [org] = await db
      .insert(orgs)
      .values({ name: 'Org', slug: slug(), ...fields })
      .returning({ id: orgs.id });
    await db.insert(orgMembers).values({ orgId: org!.id, userId: ownerId, role: 'owner' });
    return org!.id;
  });
}

export async function seedMember(orgId: string, userId: string, role: 'owner' | 'admin' | 'member' = 'member'): Promise<void> {
  await withDb((db) => db.insert(orgMembers).values({ orgId, userId, role }));
}

/** A user's email, as stored. */
export async function emailOf(userId: string): Promise<string> {
  return withDb(async (db) => (await db.select({ email: users.email }).from(users).where(eq(users.id, userId)))[0]!.email);
}

/**
 * Makes `userId` a member the way people join: `by` (an owner or admin; one
 * of the org's owners when left out) invites their email and they accept.
 * An owner is invited as an admin and then promoted by an owner. For tests
 * that need many members at once, {@link seedMember} writes the row directly.
 */
export async function addMember(orgId: string, userId: string, role: 'owner' | 'admin' | 'member' = 'member', by?: string): Promise<void> {
  const owner = await withDb(async (db) => {
    const [row] = await db
      .select({ userId: orgMembers.userId })
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.role, 'owner')))
      .limit(1);
    return row!.userId;
  });
  const sent = await expectJson(
    await api('POST', `/api/orgs/${orgId}/invitations`, {
      as: by ?? owner,
      json: { email: await emailOf(userId), role: role === 'member' ? 'member' : 'admin' },
    }),
    202,
  );
  await expectJson(await api('POST', `/api/invitations/${sent.invitation.id}/accept`, { as: userId }), 200);
  if (role === 'owner')
    await expectJson(await api('PATCH', `/api/orgs/${orgId}/members/${userId}`, { as: owner, json: { role: 'owner' } }), 200);
}

export async function seedGroup(orgId: string, members: string[] = []): Promise<string> {
  return withDb(async (db) => {
    const [g] = await db
      .insert(groups)
      .values({ orgId, name: `group-${uid()}` })
      .returning({ id: groups.id });
    for (const userId of members) await db.insert(groupMembers).values({ groupId: g!.id, userId });
    return g!.id;
  });
}

export async function seedGrant(fields: typeof grants.$inferInsert): Promise<string> {
  return withDb(async (db) => (await db.insert(grants).values(fields).returning({ id: grants.id }))[0]!.id);
}

export async function seedCollection(
  ownerId: string,
  assetIds: string[] = [],
  fields: Partial<typeof collections.$inferInsert> = {},
): Promise<string> {
  return withDb(async (db) => {
    const [col] = await db
      .insert(collections)
      .values({ ownerId, name: 'Album', ...fields })
      .returning({ id: collections.id });
    let position = 0;
    // Added by the collection's owner, who (in these worlds) owns the assets too: the collection shares them.
    for (const assetId of assetIds)
      await db.insert(collectionItems).values({ collectionId: col!.id, assetId, position: position++, addedBy: ownerId });
    return col!.id;
  });
}

/** A share-link row written directly, and a token for it (expiry: the row's unless given). */
export async function seedLink(
  fields: Partial<typeof shareLinks.$inferInsert> & Pick<typeof shareLinks.$inferInsert, 'resourceId' | 'createdBy'>,
  tokenExpiry?: Date,
): Promise<{ id: string; token: string }> {
  const expiresAt = fields.expiresAt ?? new Date(Date.now() + 3_600_000);
  const [row] = await withDb((db) =>
    db
      .insert(shareLinks)
      .values({ resourceType: 'asset', ...fields, expiresAt })
      .returning(),
  );
  const token = await signShareToken(await keys(), {
    ...party,
    linkId: row!.id,
    resource: { type: row!.resourceType, id: row!.resourceId },
    permission: row!.permission,
    expiresAt: tokenExpiry ?? expiresAt,
  });
  return { id: row!.id, token };
}
