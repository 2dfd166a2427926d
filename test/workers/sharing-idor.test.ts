/**
 * The IDOR matrix over every sharing route (support/idor.ts): owner, group
 * member, org member, stranger, link holder and anonymous caller each get
 * exactly what the access model and the org rules allow.
 */
import { expect } from 'vitest';
import { grants, orgInvitations } from '../../shared/db/schema.ts';
import { createUser, uid, withDb } from './support/fixtures.ts';
import { forged, row, runIdorMatrix, type IdorWorld } from './support/idor.ts';
import { seedGroup, seedLink, seedMember } from './support/sharing-api.ts';

/** Members see it, only owners/admins change it, outsiders do not know it exists. */
const orgRead = { owner: 200, groupMember: 200, orgMember: 200, stranger: 404, anonymous: 401 } as const;
const orgWrite = (ok: number) => ({ owner: ok, groupMember: 403, orgMember: 403, stranger: 404, anonymous: 401 });
/** Manage on the shared asset/collection: both members see it (view), only the owner manages it. */
const manageShared = (ok: number) => ({ owner: ok, groupMember: 403, orgMember: 403, stranger: 404, anonymous: 401 });
/** The private asset: nobody but the owner even sees it. */
const ownerOnly = (ok: number) => ({ owner: ok, groupMember: 404, orgMember: 404, stranger: 404, anonymous: 401 });
/** The asset the group manages. */
const groupManaged = (ok: number) => ({ owner: ok, groupMember: ok, orgMember: 404, stranger: 404, anonymous: 401 });
/** Holder routes: only the real token opens anything; everyone else can only make one up. */
const holderOnly = (ok: number) => ({ owner: 401, groupMember: 401, orgMember: 401, stranger: 401, anonymous: 401, linkHolder: ok });

const freshUser = () => withDb((db) => createUser(db, 'idor-fresh'));
const freshMember = async (w: IdorWorld) => {
  const id = await freshUser();
  await seedMember(w.orgId, id);
  return id;
};
const freshInvitation = (w: IdorWorld) =>
  withDb(
    async (db) =>
      (
        await db
          .insert(orgInvitations)
          .values({
            orgId: w.orgId,
            email: `invitee-${uid()}@example.test`,
            invitedBy: w.ownerId,
            expiresAt: new Date(Date.now() + 86_400_000),
          })
          .returning({ id: orgInvitations.id })
      )[0]!.id,
  );
const freshGrant = (resourceId: string) => async (w: IdorWorld) => {
  const principalId = await freshUser();
  return withDb(
    async (db) =>
      (
        await db
          .insert(grants)
          .values({ resourceType: 'asset', resourceId, principalType: 'user', principalId, permission: 'view', grantedBy: w.ownerId })
          .returning({ id: grants.id })
      )[0]!.id,
  );
};
const freshLink = (resourceId: (w: IdorWorld) => string) => async (w: IdorWorld) =>
  (await seedLink({ resourceId: resourceId(w), createdBy: w.ownerId })).id;
const tokenFor = (c: { role: string }, token: string) => (c.role === 'linkHolder' ? token : forged(token));

runIdorMatrix('sharing', [
  // Orgs
  row({
    name: 'POST /api/orgs',
    method: 'POST',
    path: () => '/api/orgs',
    body: () => ({ name: 'Mine', slug: `idor-${uid().slice(0, 8)}` }),
    expect: { owner: 201, groupMember: 201, orgMember: 201, stranger: 201, anonymous: 401 },
  }),
  row({
    name: 'GET /api/orgs',
    method: 'GET',
    path: () => '/api/orgs',
    expect: { owner: 200, groupMember: 200, orgMember: 200, stranger: 200, anonymous: 401 },
    check: async (res, c) => {
      const ids = ((await res.json()) as { items: { id: string }[] }).items.map((o) => o.id);
      expect(ids.includes(c.orgId), c.role).toBe(c.role !== 'stranger');
    },
  }),
  row({ name: 'GET /api/orgs/:id', method: 'GET', path: (c) => `/api/orgs/${c.orgId}`, expect: orgRead }),
  row({
    name: 'PATCH /api/orgs/:id',
    method: 'PATCH',
    path: (c) => `/api/orgs/${c.orgId}`,
    body: () => ({ name: 'IDOR org' }),
    expect: orgWrite(200),
  }),
  row({ name: 'GET /api/orgs/:id/members', method: 'GET', path: (c) => `/api/orgs/${c.orgId}/members`, expect: orgRead }),
  // Direct adds are gone (405 for everyone); people join by invitation.
  row({
    name: 'POST /api/orgs/:id/members',
    method: 'POST',
    setup: freshUser,
    path: (c) => `/api/orgs/${c.orgId}/members`,
    body: (c) => ({ userId: c.fresh }),
    expect: { owner: 405, groupMember: 405, orgMember: 405, stranger: 405, anonymous: 405 },
  }),
  row({
    name: 'POST /api/orgs/:id/invitations',
    method: 'POST',
    path: (c) => `/api/orgs/${c.orgId}/invitations`,
    body: () => ({ email: `idor-${uid()}@example.test` }),
    expect: orgWrite(202),
  }),
  row({ name: 'GET /api/orgs/:id/invitations', method: 'GET', path: (c) => `/api/orgs/${c.orgId}/invitations`, expect: orgWrite(200) }),
  row({
    name: 'DELETE /api/orgs/:id/invitations/:invitationId',
    method: 'DELETE',
    setup: freshInvitation,
    path: (c) => `/api/orgs/${c.orgId}/invitations/${c.fresh}`,
    expect: orgWrite(204),
  }),
  // Nobody in the world is the invitee: an invitation opens only for the account it names.
  ...(['accept', 'decline'] as const).map((how) =>
    row({
      name: `POST /api/invitations/:id/${how} (someone else's)`,
      method: 'POST',
      setup: freshInvitation,
      path: (c) => `/api/invitations/${c.fresh}/${how}`,
      expect: { owner: 404, groupMember: 404, orgMember: 404, stranger: 404, anonymous: 401 },
    }),
  ),
  row({
    name: 'PATCH /api/orgs/:id/members/:userId',
    method: 'PATCH',
    setup: freshMember,
    path: (c) => `/api/orgs/${c.orgId}/members/${c.fresh}`,
    body: () => ({ role: 'admin' }),
    expect: orgWrite(200),
  }),
  row({
    name: 'DELETE /api/orgs/:id/members/:userId',
    method: 'DELETE',
    setup: freshMember,
    path: (c) => `/api/orgs/${c.orgId}/members/${c.fresh}`,
    expect: orgWrite(204),
  }),
  // Groups
  row({
    name: 'POST /api/orgs/:id/groups',
    method: 'POST',
    path: (c) => `/api/orgs/${c.orgId}/groups`,
    body: () => ({ name: `g-${uid()}` }),
    expect: orgWrite(201),
  }),
  row({ name: 'GET /api/orgs/:id/groups', method: 'GET', path: (c) => `/api/orgs/${c.orgId}/groups`, expect: orgRead }),
  row({
    name: 'DELETE /api/groups/:id',
    method: 'DELETE',
    setup: (w) => seedGroup(w.orgId),
    path: (c) => `/api/groups/${c.fresh}`,
    expect: orgWrite(204),
  }),
  row({ name: 'GET /api/groups/:id/members', method: 'GET', path: (c) => `/api/groups/${c.groupId}/members`, expect: orgRead }),
  row({
    name: 'POST /api/groups/:id/members',
    method: 'POST',
    setup: async (w) => ({ group: await seedGroup(w.orgId), user: await freshMember(w) }),
    path: (c) => `/api/groups/${c.fresh.group}/members`,
    body: (c) => ({ userId: c.fresh.user }),
    expect: orgWrite(201),
  }),
  row({
    name: 'DELETE /api/groups/:id/members/:userId',
    method: 'DELETE',
    setup: async (w) => {
      const user = await freshMember(w);
      return { group: await seedGroup(w.orgId, [user]), user };
    },
    path: (c) => `/api/groups/${c.fresh.group}/members/${c.fresh.user}`,
    expect: orgWrite(204),
  }),
  // Grants
  ...(
    [
      ['shared asset', (w: IdorWorld) => ['asset', w.assetId], manageShared(201)],
      ['private asset', (w: IdorWorld) => ['asset', w.privateAssetId], ownerOnly(201)],
      ['group-managed asset', (w: IdorWorld) => ['asset', w.managedAssetId], groupManaged(201)],
      ['shared collection', (w: IdorWorld) => ['collection', w.collectionId], manageShared(201)],
    ] as const
  ).map(([what, resource, expect]) =>
    row({
      name: `POST /api/grants (${what})`,
      method: 'POST',
      // A person receives grants only from someone who shares an org with them.
      setup: freshMember,
      path: () => '/api/grants',
      body: (c) => ({
        resourceType: resource(c)[0],
        resourceId: resource(c)[1],
        principalType: 'user',
        principalId: c.fresh,
        permission: 'view',
      }),
      expect,
    }),
  ),
  row({
    name: 'GET /api/grants (shared asset)',
    method: 'GET',
    path: (c) => `/api/grants?resourceType=asset&resourceId=${c.assetId}`,
    expect: manageShared(200),
  }),
  row({
    name: 'GET /api/grants (shared collection)',
    method: 'GET',
    path: (c) => `/api/grants?resourceType=collection&resourceId=${c.collectionId}`,
    expect: manageShared(200),
  }),
  row({
    name: 'GET /api/grants (group-managed asset)',
    method: 'GET',
    path: (c) => `/api/grants?resourceType=asset&resourceId=${c.managedAssetId}`,
    expect: groupManaged(200),
  }),
  row({
    name: 'PATCH /api/grants/:id (shared asset)',
    method: 'PATCH',
    setup: (w) => freshGrant(w.assetId)(w),
    path: (c) => `/api/grants/${c.fresh}`,
    body: () => ({ permission: 'download' }),
    expect: manageShared(200),
  }),
  row({
    name: 'DELETE /api/grants/:id (shared asset)',
    method: 'DELETE',
    setup: (w) => freshGrant(w.assetId)(w),
    path: (c) => `/api/grants/${c.fresh}`,
    expect: manageShared(204),
  }),
  row({
    name: 'DELETE /api/grants/:id (private asset)',
    method: 'DELETE',
    setup: (w) => freshGrant(w.privateAssetId)(w),
    path: (c) => `/api/grants/${c.fresh}`,
    expect: ownerOnly(204),
  }),
  row({
    name: 'DELETE /api/grants/:id (group-managed asset)',
    method: 'DELETE',
    setup: (w) => freshGrant(w.managedAssetId)(w),
    path: (c) => `/api/grants/${c.fresh}`,
    expect: groupManaged(204),
  }),
  // Share links (managers)
  row({
    name: 'POST /api/share-links (shared asset)',
    method: 'POST',
    path: () => '/api/share-links',
    body: (c) => ({ resourceType: 'asset', resourceId: c.assetId }),
    expect: manageShared(201),
  }),
  row({
    name: 'POST /api/share-links (private asset)',
    method: 'POST',
    path: () => '/api/share-links',
    body: (c) => ({ resourceType: 'asset', resourceId: c.privateAssetId }),
    expect: ownerOnly(201),
  }),
  row({
    name: 'POST /api/share-links (shared collection)',
    method: 'POST',
    path: () => '/api/share-links',
    body: (c) => ({ resourceType: 'collection', resourceId: c.collectionId }),
    expect: manageShared(201),
  }),
  row({
    name: 'POST /api/share-links (group-managed asset)',
    method: 'POST',
    path: () => '/api/share-links',
    body: (c) => ({ resourceType: 'asset', resourceId: c.managedAssetId }),
    expect: groupManaged(201),
  }),
  row({
    name: 'GET /api/share-links (shared asset)',
    method: 'GET',
    path: (c) => `/api/share-links?resourceType=asset&resourceId=${c.assetId}`,
    expect: manageShared(200),
  }),
  row({
    name: 'GET /api/share-links (private asset)',
    method: 'GET',
    path: (c) => `/api/share-links?resourceType=asset&resourceId=${c.privateAssetId}`,
    expect: ownerOnly(200),
  }),
  row({
    name: 'GET /api/share-links (group-managed asset)',
    method: 'GET',
    path: (c) => `/api/share-links?resourceType=asset&resourceId=${c.managedAssetId}`,
    expect: groupManaged(200),
  }),
  row({
    name: 'PATCH /api/share-links/:id (shared asset)',
    method: 'PATCH',
    setup: freshLink((w) => w.assetId),
    path: (c) => `/api/share-links/${c.fresh}`,
    body: () => ({ allowDownload: false }),
    expect: manageShared(200),
  }),
  row({
    name: 'PATCH /api/share-links/:id (private asset)',
    method: 'PATCH',
    setup: freshLink((w) => w.privateAssetId),
    path: (c) => `/api/share-links/${c.fresh}`,
    body: () => ({ expiresInSeconds: 600 }),
    expect: ownerOnly(200),
  }),
  row({
    name: 'DELETE /api/share-links/:id (shared asset)',
    method: 'DELETE',
    setup: freshLink((w) => w.assetId),
    path: (c) => `/api/share-links/${c.fresh}`,
    expect: manageShared(204),
  }),
  row({
    name: 'DELETE /api/share-links/:id (group-managed asset)',
    method: 'DELETE',
    setup: freshLink((w) => w.managedAssetId),
    path: (c) => `/api/share-links/${c.fresh}`,
    expect: groupManaged(204),
  }),
  // Share links (holders): the token is the only credential; Bearer never stands in for it.
  row({ name: 'GET /api/share/:token', method: 'GET', path: (c) => `/api/share/${tokenFor(c, c.link.token)}`, expect: holderOnly(200) }),
  row({
    name: 'GET /api/share/:token (collection)',
    method: 'GET',
    path: (c) => `/api/share/${tokenFor(c, c.collectionLink.token)}`,
    expect: holderOnly(200),
  }),
  row({
    name: 'GET /api/share/:token (password, locked)',
    method: 'GET',
    path: (c) => `/api/share/${tokenFor(c, c.passwordLink.token)}`,
    expect: holderOnly(401),
  }),
  row({
    name: 'POST /api/share/:token/unlock',
    method: 'POST',
    path: (c) => `/api/share/${tokenFor(c, c.passwordLink.token)}/unlock`,
    body: (c) => ({ password: c.passwordLink.password }),
    expect: holderOnly(200),
  }),
  row({ name: 'GET /s/:token/:variant', method: 'GET', path: (c) => `/s/${tokenFor(c, c.link.token)}/w320.webp`, expect: holderOnly(200) }),
  row({
    name: 'GET /s/:token/:assetId/:variant (item of the collection)',
    method: 'GET',
    path: (c) => `/s/${tokenFor(c, c.collectionLink.token)}/${c.assetId}/w320.webp`,
    expect: holderOnly(200),
  }),
  row({
    name: 'GET /s/:token/:assetId/:variant (asset outside the collection)',
    method: 'GET',
    path: (c) => `/s/${tokenFor(c, c.collectionLink.token)}/${c.privateAssetId}/w320.webp`,
    expect: holderOnly(404),
  }),
  row({
    name: 'GET /s/:token/original (view-only collection link)',
    method: 'GET',
    path: (c) => `/s/${tokenFor(c, c.collectionLink.token)}/${c.assetId}/original`,
    expect: holderOnly(403),
  }),
  // Audit
  row({
    name: 'GET /api/audit (shared asset)',
    method: 'GET',
    path: (c) => `/api/audit?resourceType=asset&resourceId=${c.assetId}`,
    expect: manageShared(200),
  }),
  row({
    name: 'GET /api/audit (private asset)',
    method: 'GET',
    path: (c) => `/api/audit?resourceType=asset&resourceId=${c.privateAssetId}`,
    expect: ownerOnly(200),
  }),
  row({
    name: 'GET /api/audit (group-managed asset)',
    method: 'GET',
    path: (c) => `/api/audit?resourceType=asset&resourceId=${c.managedAssetId}`,
    expect: groupManaged(200),
  }),
  row({
    name: 'GET /api/audit (shared collection)',
    method: 'GET',
    path: (c) => `/api/audit?resourceType=collection&resourceId=${c.collectionId}`,
    expect: manageShared(200),
  }),
]);
