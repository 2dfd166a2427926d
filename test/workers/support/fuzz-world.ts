/**
 * The fuzzer's world: the IDOR matrix's seeded owner, members, stranger,
 * assets, collection, org, group, grants and links (./idor.ts), plus a
 * multipart upload of the owner's in progress, an expired link token and a
 * forged one, real password hashes for the owner and the stranger, all gathered into the pools the request generators draw from;
 * and, so that forged cursors start from real ones, a second page of every
 * paginated list (two items, two tags, two trashed assets) and its cursor.
 */
import { SELF } from 'cloudflare:test';
import { eq, inArray } from 'drizzle-orm';
import { hashPassword } from '../../../edge/auth/password.ts';
import { collectionItems, grants, users } from '../../../shared/db/schema.ts';
import { uniqueIp } from './auth.ts';
import { bearer, createAsset, createUser, withDb } from './fixtures.ts';
import type { FuzzWorld, Page } from './fuzz-requests.ts';
import { forged, seedIdorWorld } from './idor.ts';
import { seedCollection, seedLink } from './sharing-api.ts';
import { startMultipart } from './uploads.ts';

export interface SeededWorld extends FuzzWorld {
  ownerId: string;
  assetIds: string[];
  /** The owner's multipart upload (for /s3/multipart/:uploadId...). */
  upload: { uploadId: string; key: string; assetId: string };
  /** Signed media URLs the API handed out for the world's assets: the path and its `?t=` token. */
  mediaUrls: { path: string; token: string }[];
}

export async function seedFuzzWorld(): Promise<SeededWorld> {
  const w = await seedIdorWorld();
  // Real password hashes, as every registered account has (the fixtures' placeholder is not one,
  // and verifyPassword treats a malformed stored hash as a server fault: POST /api/auth/password would be a 500).
  const passwordHash = await hashPassword(`fuzz ${crypto.randomUUID()}`);
  await withDb((db) =>
    db
      .update(users)
      .set({ passwordHash })
      .where(inArray(users.id, [w.ownerId, w.strangerId])),
  );
  const grantIds = await withDb(async (db) =>
    (await db.select({ id: grants.id }).from(grants).where(eq(grants.grantedBy, w.ownerId))).map((g) => g.id),
  );
  // A row that ended a minute ago, with a token that has not: the edge must answer 410 from the row.
  const expired = await seedLink(
    { resourceId: w.assetId, createdBy: w.ownerId, expiresAt: new Date(Date.now() - 60_000) },
    new Date(Date.now() + 3_600_000),
  );
  const upload = await startMultipart(w.ownerId, 12 * 1024 * 1024);
  const otherUser = await withDb((db) => createUser(db, 'fuzz-other'));
  const assetIds = [w.assetId, w.privateAssetId, w.managedAssetId];
  const byKind: Record<string, string[]> = {
    assets: [...assetIds, upload.assetId],
    collections: [w.collectionId],
    orgs: [w.orgId],
    groups: [w.groupId],
    grants: grantIds,
    'share-links': [w.link.id, w.collectionLink.id, w.passwordLink.id, expired.id],
    users: [w.ownerId, w.groupMemberId, w.orgMemberId, w.strangerId, otherUser],
  };
  await withDb(async (db) => {
    const trashed = { deletedAt: new Date(), purgeAfter: new Date(Date.now() + 86_400_000) };
    await createAsset(db, w.ownerId, { filename: 'old-1.jpg', ...trashed });
    await createAsset(db, w.ownerId, { filename: 'old-2.jpg', ...trashed });
    await db.insert(collectionItems).values({ collectionId: w.collectionId, assetId: w.privateAssetId, position: 1, addedBy: w.ownerId });
  });
  const owner = w.headers.owner;
  await call('PUT', `/api/assets/${w.assetId}/tags`, owner, { tags: ['alpha', 'beta'] });
  await call('POST', '/api/collections', owner, { name: 'Second' });
  // A link of its own for paging, not among the ids the fuzzer edits (a password set on it would hide its pages).
  const pagingCollection = await seedCollection(w.ownerId, [], { name: 'Paging' });
  await withDb((db) =>
    db.insert(collectionItems).values(
      [w.assetId, w.privateAssetId].map((assetId, position) => ({
        collectionId: pagingCollection,
        assetId,
        position,
        addedBy: w.ownerId,
      })),
    ),
  );
  const paging = await seedLink({ resourceType: 'collection', resourceId: pagingCollection, createdBy: w.ownerId });
  const cursors: Record<string, string[]> = {};
  const pages: Record<string, Page[]> = {};
  const firstPages: [string, string, string, 'owner' | 'anonymous'][] = [
    ['/api/assets', '/api/assets', 'limit=1', 'owner'],
    ['/api/trash', '/api/trash', 'limit=1', 'owner'],
    ['/api/tags', '/api/tags', 'limit=1', 'owner'],
    ['/api/search', '/api/search', 'q=jpg&limit=1', 'owner'],
    ['/api/collections', '/api/collections', 'limit=1', 'owner'],
    ['/api/collections/{id}', `/api/collections/${w.collectionId}`, 'limit=1', 'owner'],
    ['/api/share/{token}', `/api/share/${paging.token}`, 'limit=1', 'anonymous'],
  ];
  for (const [template, path, query, caller] of firstPages) {
    const body = (await (await call('GET', `${path}?${query}`, caller === 'owner' ? owner : {})).json()) as {
      nextCursor?: string | null;
      collection?: { nextCursor?: string | null };
    };
    const next = body.nextCursor ?? body.collection?.nextCursor;
    if (next) {
      cursors[template] = [next];
      pages[template] = [{ path, query, caller, cursor: next }];
    }
  }
  const mediaUrls: { path: string; token: string }[] = [];
  for (const id of [w.assetId, w.privateAssetId]) {
    const detail = (await (await call('GET', `/api/assets/${id}`, owner)).json()) as { media?: { url: string }[] };
    for (const m of detail.media ?? []) {
      const url = new URL(m.url, 'https://edge.test');
      mediaUrls.push({ path: url.pathname, token: url.searchParams.get('t') ?? '' });
    }
  }
  return {
    ownerId: w.ownerId,
    mediaUrls,
    assetIds,
    upload,
    byKind,
    pools: { uuids: [...new Set(Object.values(byKind).flat())], cursors },
    pages,
    tokens: [w.link.token, w.collectionLink.token, w.passwordLink.token, expired.token, forged(w.link.token)],
    auth: { owner: w.headers.owner, stranger: await bearer(w.strangerId) },
  };
}

async function call(method: string, path: string, auth: Record<string, string>, json?: unknown): Promise<Response> {
  const headers = { 'cf-connecting-ip': uniqueIp(), ...auth, ...(json === undefined ? {} : { 'content-type': 'application/json' }) };
  return SELF.fetch(`https://edge.test${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
}
