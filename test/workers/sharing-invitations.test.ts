/**
 * Org invitations through the API, the consent flow: invite → the invitee
 * lists → accepts (member, in no group) or declines; revoke; expiry; refresh
 * of a pending address; audit rows. Who may invite, enumeration and the
 * refused direct add: sharing-invitations-security.test.ts.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, groupMembers, orgInvitations, orgMembers } from '../../shared/db/schema.ts';
import { createUser, withDb } from './support/fixtures.ts';
import { api, emailOf, expectJson, seedGroup, seedMember, seedOrg } from './support/sharing-api.ts';

let alice: string; // owner
let bob: string; // admin
let erin: string; // invitee
let orgId: string;

beforeAll(async () => {
  await withDb(async (db) => {
    [alice, bob, erin] = [await createUser(db, 'alice'), await createUser(db, 'bob'), await createUser(db, 'erin')];
  });
  orgId = await seedOrg(alice, { name: 'Studio' });
  await seedMember(orgId, bob, 'admin');
});

const invite = async (org: string, email: string, as = alice, role?: string) =>
  (await expectJson(await api('POST', `/api/orgs/${org}/invitations`, { as, json: role ? { email, role } : { email } }), 202)).invitation;
const mine = async (as: string) =>
  (await expectJson(await api('GET', '/api/invitations', { as }), 200)).invitations as { id: string; org: { id: string; name: string } }[];
const roleIn = (org: string, userId: string) =>
  withDb(
    async (db) =>
      (
        await db
          .select()
          .from(orgMembers)
          .where(and(eq(orgMembers.orgId, org), eq(orgMembers.userId, userId)))
      )[0]?.role ?? null,
  );

describe('an invitation', () => {
  it('is listed to the invitee with the org and the inviter, and accepting it makes them a member of no group', async () => {
    const org = await seedOrg(alice, { name: 'Darkroom' });
    await seedGroup(org, [alice]);
    const sent = await invite(org, (await emailOf(erin)).toUpperCase(), alice, 'admin');
    expect(sent).toEqual({
      id: expect.any(String),
      email: (await emailOf(erin)).toLowerCase(),
      role: 'admin',
      status: 'pending',
      expiresAt: expect.any(String),
    });
    const days = (Date.parse(sent.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThanOrEqual(14);
    // Before answering, the invitee sees the invitation and nothing of the org itself.
    expect(await mine(erin)).toEqual([
      expect.objectContaining({
        id: sent.id,
        org: { id: org, name: 'Darkroom' },
        role: 'admin',
        status: 'pending',
        invitedBy: { name: 'alice' },
      }),
    ]);
    expect((await api('GET', `/api/orgs/${org}/members`, { as: erin })).status).toBe(404);
    const accepted = await expectJson(await api('POST', `/api/invitations/${sent.id}/accept`, { as: erin }), 200);
    expect(accepted.invitation).toMatchObject({ id: sent.id, status: 'accepted', org: { id: org } });
    expect(await roleIn(org, erin)).toBe('admin');
    const orgs = (await expectJson(await api('GET', '/api/orgs', { as: erin }), 200)).items;
    expect(orgs).toEqual(expect.arrayContaining([expect.objectContaining({ id: org, role: 'admin' })]));
    expect(await withDb((db) => db.select().from(groupMembers).where(eq(groupMembers.userId, erin)))).toEqual([]);
    expect(await mine(erin)).toEqual([]);
    // Accepting again changes nothing and writes no second audit row.
    expect((await expectJson(await api('POST', `/api/invitations/${sent.id}/accept`, { as: erin }), 200)).invitation.status).toBe(
      'accepted',
    );
    const rows = await withDb((db) => db.select().from(auditLog).where(eq(auditLog.resourceId, org)).orderBy(auditLog.id));
    expect(rows.map((r) => [r.action, r.actorId])).toEqual([
      ['org.invite', alice],
      ['org.invite_accept', erin],
    ]);
    expect(rows[0]!.detail).toEqual({ invitationId: sent.id, role: 'admin' });
  });

  it('accepted twice at once makes one membership', async () => {
    const org = await seedOrg(alice);
    const sent = await invite(org, await emailOf(erin));
    const answers = await Promise.all([1, 2].map(() => api('POST', `/api/invitations/${sent.id}/accept`, { as: erin })));
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(await withDb((db) => db.select().from(orgMembers).where(eq(orgMembers.orgId, org)))).toHaveLength(2);
  });

  it('declined leaves no membership, and cannot be accepted afterwards (409)', async () => {
    const org = await seedOrg(alice);
    const sent = await invite(org, await emailOf(erin));
    expect((await expectJson(await api('POST', `/api/invitations/${sent.id}/decline`, { as: erin }), 200)).invitation.status).toBe(
      'declined',
    );
    expect((await expectJson(await api('POST', `/api/invitations/${sent.id}/decline`, { as: erin }), 200)).invitation.status).toBe(
      'declined',
    );
    const late = await expectJson(await api('POST', `/api/invitations/${sent.id}/accept`, { as: erin }), 409);
    expect(late.error).toMatchObject({ code: 'conflict', details: { status: 'declined' } });
    expect(await roleIn(org, erin)).toBeNull();
    expect((await mine(erin)).map((i) => i.id)).not.toContain(sent.id);
    expect((await expectJson(await api('GET', `/api/orgs/${org}/invitations`, { as: alice }), 200)).items).toEqual([]);
    const actions = await withDb((db) =>
      db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.resourceId, org)).orderBy(auditLog.id),
    );
    expect(actions.map((r) => r.action)).toEqual(['org.invite', 'org.invite_decline']);
  });

  it('revoked disappears for the invitee and answers 410; revoking is idempotent, an accepted one cannot be revoked', async () => {
    const org = await seedOrg(alice);
    await seedMember(org, bob, 'admin');
    const sent = await invite(org, await emailOf(erin));
    expect((await expectJson(await api('GET', `/api/orgs/${org}/invitations`, { as: bob }), 200)).items).toEqual([
      expect.objectContaining({
        id: sent.id,
        email: sent.email,
        role: 'member',
        status: 'pending',
        invitedBy: { id: alice, name: 'alice' },
      }),
    ]);
    expect((await api('DELETE', `/api/orgs/${org}/invitations/${sent.id}`, { as: bob })).status).toBe(204);
    expect((await api('DELETE', `/api/orgs/${org}/invitations/${sent.id}`, { as: bob })).status).toBe(204);
    expect((await mine(erin)).map((i) => i.id)).not.toContain(sent.id);
    const res = await expectJson(await api('POST', `/api/invitations/${sent.id}/accept`, { as: erin }), 410);
    expect(res.error).toMatchObject({ code: 'gone', details: { status: 'revoked' } });
    expect(await roleIn(org, erin)).toBeNull();
    // A new invitation after a revoked one is a new row; once accepted it can no longer be revoked.
    const again = await invite(org, await emailOf(erin));
    expect(again.id).not.toBe(sent.id);
    await expectJson(await api('POST', `/api/invitations/${again.id}/accept`, { as: erin }), 200);
    expect((await api('DELETE', `/api/orgs/${org}/invitations/${again.id}`, { as: alice })).status).toBe(409);
    expect(await roleIn(org, erin)).toBe('member');
    // Revoking through another org is "no such invitation".
    const other = await seedOrg(alice);
    expect((await api('DELETE', `/api/orgs/${other}/invitations/${again.id}`, { as: alice })).status).toBe(404);
  });

  it('expired is not listed and answers 410; inviting the address again refreshes it', async () => {
    const org = await seedOrg(alice);
    const sent = await invite(org, await emailOf(erin));
    await withDb((db) =>
      db
        .update(orgInvitations)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(orgInvitations.id, sent.id)),
    );
    expect((await mine(erin)).map((i) => i.id)).not.toContain(sent.id);
    expect((await expectJson(await api('GET', `/api/orgs/${org}/invitations`, { as: alice }), 200)).items).toEqual([]);
    const res = await expectJson(await api('POST', `/api/invitations/${sent.id}/accept`, { as: erin }), 410);
    expect(res.error).toMatchObject({ code: 'gone', details: { status: 'expired' } });
    expect((await api('POST', `/api/invitations/${sent.id}/decline`, { as: erin })).status).toBe(410);
    const refreshed = await invite(org, await emailOf(erin), alice, 'admin');
    expect(refreshed).toMatchObject({ id: sent.id, role: 'admin' });
    expect(Date.parse(refreshed.expiresAt)).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    await expectJson(await api('POST', `/api/invitations/${sent.id}/accept`, { as: erin }), 200);
    expect(await roleIn(org, erin)).toBe('admin');
  });

  it('of a member who then leaves is not a way back in', async () => {
    const org = await seedOrg(alice);
    const sent = await invite(org, await emailOf(erin));
    await expectJson(await api('POST', `/api/invitations/${sent.id}/accept`, { as: erin }), 200);
    expect((await api('DELETE', `/api/orgs/${org}/members/${erin}`, { as: erin })).status).toBe(204);
    const res = await expectJson(await api('POST', `/api/invitations/${sent.id}/accept`, { as: erin }), 409);
    expect(res.error.details).toEqual({ status: 'accepted' });
    expect(await roleIn(org, erin)).toBeNull();
  });
});
