/**
 * Orgs, members and groups through the API: the happy paths and the
 * membership rules (roles, owners, the last owner, groups only of org
 * members). People join by invitation (sharing-invitations*.test.ts);
 * `addMember` does that here, `seedMember` writes rows where the path to
 * membership is not what a test is about.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, grants } from '../../shared/db/schema.ts';
import { createAsset, createUser, withDb } from './support/fixtures.ts';
import { addMember, api, errorCode, expectJson, seedGroup, seedMember, seedOrg, slug } from './support/sharing-api.ts';

let alice: string; // owner
let bob: string; // admin
let carol: string; // member
let dave: string; // outsider
let orgId: string;

beforeAll(async () => {
  await withDb(async (db) => {
    [alice, bob, carol, dave] = [
      await createUser(db, 'alice'),
      await createUser(db, 'bob'),
      await createUser(db, 'carol'),
      await createUser(db, 'dave'),
    ];
  });
  orgId = await seedOrg(alice, { name: 'Studio' });
  await seedMember(orgId, bob, 'admin');
  await seedMember(orgId, carol, 'member');
});

describe('orgs', () => {
  it('are created with the creator as owner, listed for members only, and audited', async () => {
    const s = slug();
    const org = await expectJson(await api('POST', '/api/orgs', { as: dave, json: { name: '  Dave Co  ', slug: s } }), 201);
    expect(org).toMatchObject({ name: 'Dave Co', slug: s, role: 'owner', shareLinkDefaultTtl: 7 * 86400, shareLinkMaxTtl: 90 * 86400 });
    const mine = await expectJson(await api('GET', '/api/orgs', { as: dave }), 200);
    expect(mine.items.map((o: { id: string }) => o.id)).toContain(org.id);
    expect(mine.items.map((o: { id: string }) => o.id)).not.toContain(orgId);
    expect(await expectJson(await api('GET', `/api/orgs/${org.id}`, { as: dave }), 200)).toMatchObject({ id: org.id, role: 'owner' });
    expect((await api('GET', `/api/orgs/${org.id}`, { as: alice })).status).toBe(404);
    const rows = await withDb((db) => db.select().from(auditLog).where(eq(auditLog.resourceId, org.id)));
    expect(rows.map((r) => r.action)).toEqual(['org.create']);
  });

  it('refuse a taken slug with 409', async () => {
    const s = slug();
    await expectJson(await api('POST', '/api/orgs', { as: dave, json: { name: 'One', slug: s } }), 201);
    const res = await api('POST', '/api/orgs', { as: alice, json: { name: 'Two', slug: s } });
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe('conflict');
  });

  it('show each member their own role', async () => {
    expect((await expectJson(await api('GET', `/api/orgs/${orgId}`, { as: carol }), 200)).role).toBe('member');
    expect((await expectJson(await api('GET', `/api/orgs/${orgId}`, { as: bob }), 200)).role).toBe('admin');
  });

  it('are changed by owners and admins (name, share-link lifetimes with default ≤ max), not by members', async () => {
    const org = await seedOrg(alice);
    await seedMember(org, bob, 'admin');
    await seedMember(org, carol);
    const updated = await expectJson(
      await api('PATCH', `/api/orgs/${org}`, { as: bob, json: { name: 'Renamed', shareLinkDefaultTtl: 3600, shareLinkMaxTtl: 86400 } }),
      200,
    );
    expect(updated).toMatchObject({ name: 'Renamed', shareLinkDefaultTtl: 3600, shareLinkMaxTtl: 86400, role: 'admin' });
    expect((await api('PATCH', `/api/orgs/${org}`, { as: carol, json: { name: 'No' } })).status).toBe(403);
    // default above the stored max, and max below the stored default: both refused.
    const above = await api('PATCH', `/api/orgs/${org}`, { as: alice, json: { shareLinkDefaultTtl: 86401 } });
    expect(above.status).toBe(400);
    expect((await expectJson(above, 400)).error.details.fields[0].field).toBe('shareLinkDefaultTtl');
    expect((await api('PATCH', `/api/orgs/${org}`, { as: alice, json: { shareLinkMaxTtl: 3599 } })).status).toBe(400);
    expect((await api('PATCH', `/api/orgs/${org}`, { as: alice, json: { shareLinkDefaultTtl: 86400 } })).status).toBe(200);
  });
});

describe('org members', () => {
  it('are listed for members, in the order they joined, with their roles', async () => {
    const org = await seedOrg(alice);
    const erin = await withDb((db) => createUser(db, 'erin'));
    await addMember(org, erin);
    await addMember(org, bob, 'admin');
    const list = await expectJson(await api('GET', `/api/orgs/${org}/members`, { as: erin }), 200);
    expect(list.items.map((m: { userId: string; role: string; name: string }) => [m.userId, m.role, m.name])).toEqual([
      [alice, 'owner', 'alice'],
      [erin, 'member', 'erin'],
      [bob, 'admin', 'bob'],
    ]);
    expect((await api('GET', `/api/orgs/${org}/members`, { as: dave })).status).toBe(404);
  });

  it('only owners make or unmake owners; admins manage the rest', async () => {
    const org = await seedOrg(alice);
    await seedMember(org, bob, 'admin');
    await seedMember(org, carol);
    expect((await api('PATCH', `/api/orgs/${org}/members/${carol}`, { as: bob, json: { role: 'owner' } })).status).toBe(403);
    expect((await api('PATCH', `/api/orgs/${org}/members/${alice}`, { as: bob, json: { role: 'member' } })).status).toBe(403);
    expect((await api('DELETE', `/api/orgs/${org}/members/${alice}`, { as: bob })).status).toBe(403);
    expect((await api('PATCH', `/api/orgs/${org}/members/${carol}`, { as: carol, json: { role: 'admin' } })).status).toBe(403);
    expect(
      await expectJson(await api('PATCH', `/api/orgs/${org}/members/${carol}`, { as: bob, json: { role: 'admin' } }), 200),
    ).toMatchObject({ role: 'admin' });
    expect(
      await expectJson(await api('PATCH', `/api/orgs/${org}/members/${carol}`, { as: alice, json: { role: 'owner' } }), 200),
    ).toMatchObject({ role: 'owner' });
    expect((await api('PATCH', `/api/orgs/${org}/members/${dave}`, { as: alice, json: { role: 'admin' } })).status).toBe(404);
  });

  it('the last owner can neither be demoted nor leave (409); with two owners one may go', async () => {
    const org = await seedOrg(alice);
    await seedMember(org, bob, 'admin');
    const demote = await api('PATCH', `/api/orgs/${org}/members/${alice}`, { as: alice, json: { role: 'admin' } });
    expect(demote.status).toBe(409);
    expect(await errorCode(demote)).toBe('conflict');
    expect((await api('DELETE', `/api/orgs/${org}/members/${alice}`, { as: alice })).status).toBe(409);
    await expectJson(await api('PATCH', `/api/orgs/${org}/members/${bob}`, { as: alice, json: { role: 'owner' } }), 200);
    expect((await api('DELETE', `/api/orgs/${org}/members/${alice}`, { as: alice })).status).toBe(204);
    expect((await api('GET', `/api/orgs/${org}`, { as: alice })).status).toBe(404);
    expect((await api('PATCH', `/api/orgs/${org}/members/${bob}`, { as: bob, json: { role: 'member' } })).status).toBe(409);
  });

  it('two owners demoting each other at once leave one owner', async () => {
    const org = await seedOrg(alice);
    await seedMember(org, bob, 'owner');
    const [a, b] = await Promise.all([
      api('PATCH', `/api/orgs/${org}/members/${bob}`, { as: alice, json: { role: 'member' } }),
      api('PATCH', `/api/orgs/${org}/members/${alice}`, { as: bob, json: { role: 'member' } }),
    ]);
    // The second to run finds itself demoted (403) or the other the last owner (409).
    expect([a.status, b.status].filter((s) => s === 200)).toHaveLength(1);
    const owners = (await expectJson(await api('GET', `/api/orgs/${org}/members`, { as: alice }), 200)).items.filter(
      (m: { role: string }) => m.role === 'owner',
    );
    expect(owners).toHaveLength(1);
  });

  it('members may leave, or be removed; either way they leave its groups too', async () => {
    const org = await seedOrg(alice);
    await addMember(org, carol);
    await addMember(org, dave);
    const group = await seedGroup(org);
    for (const who of [carol, dave])
      await expectJson(await api('POST', `/api/groups/${group}/members`, { as: alice, json: { userId: who } }), 201);
    expect((await api('DELETE', `/api/orgs/${org}/members/${carol}`, { as: carol })).status).toBe(204);
    expect((await api('DELETE', `/api/orgs/${org}/members/${dave}`, { as: alice })).status).toBe(204);
    const members = await expectJson(await api('GET', `/api/groups/${group}/members`, { as: alice }), 200);
    expect(members.items).toEqual([]);
    expect((await api('DELETE', `/api/orgs/${org}/members/${carol}`, { as: alice })).status).toBe(404);
    // Back in the org by a new invitation, they are in no group until an admin adds them.
    await addMember(org, carol);
    expect((await expectJson(await api('GET', `/api/groups/${group}/members`, { as: alice }), 200)).items).toEqual([]);
  });
});

describe('groups', () => {
  it('are created by owners and admins, unique by name, listed for members', async () => {
    const org = await seedOrg(alice);
    await seedMember(org, bob, 'admin');
    await seedMember(org, carol);
    const g = await expectJson(await api('POST', `/api/orgs/${org}/groups`, { as: bob, json: { name: 'Editors' } }), 201);
    expect(g).toMatchObject({ orgId: org, name: 'Editors', memberCount: 0 });
    expect((await api('POST', `/api/orgs/${org}/groups`, { as: alice, json: { name: 'Editors' } })).status).toBe(409);
    expect((await api('POST', `/api/orgs/${org}/groups`, { as: carol, json: { name: 'Mine' } })).status).toBe(403);
    const list = await expectJson(await api('GET', `/api/orgs/${org}/groups`, { as: carol }), 200);
    expect(list.items).toEqual([expect.objectContaining({ id: g.id, name: 'Editors' })]);
  });

  it('take org members only, and count them', async () => {
    const org = await seedOrg(alice);
    await seedMember(org, carol);
    const group = await seedGroup(org);
    expect(await expectJson(await api('POST', `/api/groups/${group}/members`, { as: alice, json: { userId: carol } }), 201)).toMatchObject({
      userId: carol,
      name: 'carol',
    });
    expect((await api('POST', `/api/groups/${group}/members`, { as: alice, json: { userId: carol } })).status).toBe(409);
    const outsider = await api('POST', `/api/groups/${group}/members`, { as: alice, json: { userId: dave } });
    expect(outsider.status).toBe(409);
    expect((await expectJson(await api('GET', `/api/orgs/${org}/groups`, { as: alice }), 200)).items[0].memberCount).toBe(1);
    expect((await api('POST', `/api/groups/${group}/members`, { as: carol, json: { userId: alice } })).status).toBe(403);
  });

  it('lose members by an admin or by themselves', async () => {
    const org = await seedOrg(alice);
    await seedMember(org, carol);
    await seedMember(org, bob);
    const group = await seedGroup(org, [carol, bob]);
    expect((await api('DELETE', `/api/groups/${group}/members/${bob}`, { as: carol })).status).toBe(403);
    expect((await api('DELETE', `/api/groups/${group}/members/${carol}`, { as: carol })).status).toBe(204);
    expect((await api('DELETE', `/api/groups/${group}/members/${bob}`, { as: alice })).status).toBe(204);
    expect((await api('DELETE', `/api/groups/${group}/members/${bob}`, { as: alice })).status).toBe(404);
  });

  it('are deleted with their grants', async () => {
    const org = await seedOrg(alice);
    const group = await seedGroup(org);
    const asset = await withDb((db) => createAsset(db, alice));
    await withDb((db) =>
      db.insert(grants).values({
        resourceType: 'asset',
        resourceId: asset,
        principalType: 'group',
        principalId: group,
        permission: 'view',
        grantedBy: alice,
      }),
    );
    expect((await api('DELETE', `/api/groups/${group}`, { as: alice })).status).toBe(204);
    expect((await api('GET', `/api/groups/${group}/members`, { as: alice })).status).toBe(404);
    const left = await withDb((db) => db.select().from(grants).where(eq(grants.principalId, group)));
    expect(left).toEqual([]);
  });
});

describe('the OpenAPI document', () => {
  it('describes every sharing route, with its request schemas', async () => {
    const doc = await expectJson(await api('GET', '/api/openapi.json'), 200);
    const ops = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(ops).toEqual(
      expect.arrayContaining([
        'POST /api/orgs',
        'GET /api/orgs',
        'GET /api/orgs/{id}',
        'PATCH /api/orgs/{id}',
        'GET /api/orgs/{id}/members',
        'PATCH /api/orgs/{id}/members/{userId}',
        'DELETE /api/orgs/{id}/members/{userId}',
        'POST /api/orgs/{id}/invitations',
        'GET /api/orgs/{id}/invitations',
        'DELETE /api/orgs/{id}/invitations/{invitationId}',
        'GET /api/invitations',
        'POST /api/invitations/{id}/accept',
        'POST /api/invitations/{id}/decline',
        'POST /api/orgs/{id}/groups',
        'GET /api/orgs/{id}/groups',
        'DELETE /api/groups/{id}',
        'GET /api/groups/{id}/members',
        'POST /api/groups/{id}/members',
        'DELETE /api/groups/{id}/members/{userId}',
        'POST /api/grants',
        'GET /api/grants',
        'PATCH /api/grants/{id}',
        'DELETE /api/grants/{id}',
        'POST /api/share-links',
        'GET /api/share-links',
        'PATCH /api/share-links/{id}',
        'DELETE /api/share-links/{id}',
        'GET /api/share/{token}',
        'POST /api/share/{token}/unlock',
        'GET /api/audit',
      ]),
    );
    expect(doc.components.schemas.CreateShareLink.properties).toHaveProperty('maxDownloads');
    expect(doc.components.schemas.InviteToOrg.properties.role.enum).toEqual(['member', 'admin']);
    expect(ops).not.toContain('POST /api/orgs/{id}/members');
    expect(doc.paths['/api/share-links'].post.security).toEqual([{ bearerAuth: [] }]);
  });
});
