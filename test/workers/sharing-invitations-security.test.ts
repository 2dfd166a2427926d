/**
 * Org invitations against hostile or mistaken callers: who may invite (and
 * as which role), an invitation is only its invitee's, inviting tells nothing
 * about whether an address is registered, the per-inviter limit, and the
 * direct add that invitations replaced.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { orgInvitations, orgMembers, rateCounters } from '../../shared/db/schema.ts';
import { inviteLimitKey, INVITE_LIMIT } from '../../edge/sharing/invitations.service.ts';
import { createUser, uid, withDb } from './support/fixtures.ts';
import { addMember, api, emailOf, errorCode, expectJson, seedMember, seedOrg } from './support/sharing-api.ts';

let alice: string; // owner
let bob: string; // admin
let carol: string; // member
let dave: string; // outsider
let erin: string; // invitee
let orgId: string;

beforeAll(async () => {
  await withDb(async (db) => {
    [alice, bob, carol, dave, erin] = [
      await createUser(db, 'alice'),
      await createUser(db, 'bob'),
      await createUser(db, 'carol'),
      await createUser(db, 'dave'),
      await createUser(db, 'erin'),
    ];
  });
  orgId = await seedOrg(alice, { name: 'Studio' });
  await seedMember(orgId, bob, 'admin');
  await seedMember(orgId, carol);
});

const post = (as: string | undefined, json: unknown, org = orgId) => api('POST', `/api/orgs/${org}/invitations`, { as, json });

describe('inviting', () => {
  it('is for owners and admins: members 403, outsiders 404, anonymous 401', async () => {
    const email = `x-${uid()}@example.test`;
    expect((await post(carol, { email })).status).toBe(403);
    expect((await post(dave, { email })).status).toBe(404);
    expect((await post(undefined, { email })).status).toBe(401);
    expect((await api('GET', `/api/orgs/${orgId}/invitations`, { as: carol })).status).toBe(403);
    expect((await api('GET', `/api/orgs/${orgId}/invitations`, { as: dave })).status).toBe(404);
    expect(await withDb((db) => db.select().from(orgInvitations).where(eq(orgInvitations.email, email)))).toEqual([]);
    // Admins invite members and admins (as they may make them by role changes); nobody invites an owner.
    expect((await post(bob, { email, role: 'admin' })).status).toBe(202);
    const owner = await expectJson(await post(alice, { email, role: 'owner' }), 400);
    expect(owner.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['role']);
  });

  it('answers a registered and an unregistered address alike', async () => {
    const registered = (await emailOf(dave)).toLowerCase();
    const unregistered = `nobody-${uid()}@example.test`;
    const answers: { status: number; headers: string[]; body: any }[] = [];
    for (const email of [registered, unregistered]) {
      const res = await post(alice, { email });
      answers.push({
        status: res.status,
        headers: [...res.headers.keys()].filter((k) => k !== 'x-request-id').sort(),
        body: await res.json(),
      });
    }
    const shape = (a: (typeof answers)[number]) => ({
      ...a,
      body: { invitation: { ...a.body.invitation, id: 'id', email: 'email', expiresAt: 'at' } },
    });
    expect(shape(answers[0]!)).toEqual(shape(answers[1]!));
    expect(answers[0]!.status).toBe(202);
    expect(answers.map((a) => a.body.invitation.email)).toEqual([registered, unregistered]);
    expect(Object.keys(answers[0]!.body.invitation).sort()).toEqual(['email', 'expiresAt', 'id', 'role', 'status']);
    // The org's list shows both the same way: pending, nothing about accounts.
    const listed = (await expectJson(await api('GET', `/api/orgs/${orgId}/invitations`, { as: alice }), 200)).items;
    const rows = listed.filter((i: { email: string }) => i.email === registered || i.email === unregistered);
    expect(rows.map((i: object) => Object.keys(i).sort())).toEqual([
      ['createdAt', 'email', 'expiresAt', 'id', 'invitedBy', 'role', 'status'],
      ['createdAt', 'email', 'expiresAt', 'id', 'invitedBy', 'role', 'status'],
    ]);
  });

  it('refuses an address already in the org (409: its members are listed to the inviter anyway)', async () => {
    const res = await post(bob, { email: (await emailOf(carol)).toUpperCase() });
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe('conflict');
  });

  it('is limited per inviter (429 with Retry-After) before anything is stored', async () => {
    const inviter = await withDb((db) => createUser(db, 'busy'));
    const org = await seedOrg(inviter);
    await withDb((db) =>
      db.insert(rateCounters).values({ key: inviteLimitKey(inviter), windowStart: new Date(), count: INVITE_LIMIT.max }),
    );
    const email = `late-${uid()}@example.test`;
    const res = await post(inviter, { email }, org);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await withDb((db) => db.select().from(orgInvitations).where(eq(orgInvitations.email, email)))).toEqual([]);
    // Another inviter of the same org is not held back by it.
    expect((await post(alice, { email: `other-${uid()}@example.test` })).status).toBe(202);
  });
});

describe("someone else's invitation", () => {
  it('is 404 to everyone but its invitee, admins of the org included, and is not listed to them', async () => {
    const sent = (await expectJson(await post(alice, { email: await emailOf(erin) }), 202)).invitation;
    for (const who of [dave, bob, alice, carol]) {
      for (const how of ['accept', 'decline']) {
        const res = await api('POST', `/api/invitations/${sent.id}/${how}`, { as: who });
        expect(res.status, `${how} as another user`).toBe(404);
      }
      expect(
        (await expectJson(await api('GET', '/api/invitations', { as: who }), 200)).invitations.map((i: { id: string }) => i.id),
      ).not.toContain(sent.id);
    }
    expect((await api('POST', `/api/invitations/${sent.id}/accept`)).status).toBe(401);
    expect((await api('POST', `/api/invitations/${uid()}/accept`, { as: erin })).status).toBe(404);
    expect((await api('POST', '/api/invitations/not-a-uuid/accept', { as: erin })).status).toBe(400);
    expect(await withDb((db) => db.select().from(orgMembers).where(eq(orgMembers.userId, dave)))).toEqual([]);
    expect((await expectJson(await api('POST', `/api/invitations/${sent.id}/accept`, { as: erin }), 200)).invitation.status).toBe(
      'accepted',
    );
  });
});

describe('an invitation whose inviter may no longer invite', () => {
  it('lapses (not listed, 410 lapsed) when they are demoted or removed, and revives when invited again', async () => {
    const org = await seedOrg(alice);
    const rogue = await withDb((db) => createUser(db, 'rogue'));
    await seedMember(org, rogue, 'admin');
    const [first, second] = [await withDb((db) => createUser(db, 'alt')), await withDb((db) => createUser(db, 'alt'))];
    const sent = [];
    for (const who of [first, second])
      sent.push((await expectJson(await post(rogue, { email: await emailOf(who), role: 'admin' }, org), 202)).invitation);
    // Demoted: the invitations it sent lapse at once; removed: the same.
    await expectJson(await api('PATCH', `/api/orgs/${org}/members/${rogue}`, { as: alice, json: { role: 'member' } }), 200);
    expect((await expectJson(await api('GET', '/api/invitations', { as: first }), 200)).invitations).toEqual([]);
    expect((await expectJson(await api('GET', `/api/orgs/${org}/invitations`, { as: alice }), 200)).items).toEqual([]);
    const lapsed = await expectJson(await api('POST', `/api/invitations/${sent[0]!.id}/accept`, { as: first }), 410);
    expect(lapsed.error).toMatchObject({ code: 'gone', details: { status: 'lapsed' } });
    expect((await api('DELETE', `/api/orgs/${org}/members/${rogue}`, { as: alice })).status).toBe(204);
    expect((await api('POST', `/api/invitations/${sent[1]!.id}/accept`, { as: second })).status).toBe(410);
    expect(await withDb((db) => db.select().from(orgMembers).where(eq(orgMembers.orgId, org)))).toHaveLength(1);
    // An owner who invites the address again takes the invitation over.
    const revived = (await expectJson(await post(alice, { email: await emailOf(first) }, org), 202)).invitation;
    expect(revived.id).toBe(sent[0]!.id);
    expect((await expectJson(await api('POST', `/api/invitations/${revived.id}/accept`, { as: first }), 200)).invitation.role).toBe(
      'member',
    );
  });
});

describe('adding someone directly', () => {
  it('is gone: POST /api/orgs/:id/members answers 405 and nobody joins', async () => {
    const victim = await withDb((db) => createUser(db, 'victim'));
    for (const body of [{ userId: victim }, { email: await emailOf(victim), role: 'admin' }]) {
      const res = await api('POST', `/api/orgs/${orgId}/members`, { as: alice, json: body });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
      expect(((await res.json()) as any).error.code).toBe('method_not_allowed');
    }
    expect((await expectJson(await api('GET', '/api/orgs', { as: victim }), 200)).items).toEqual([]);
    const doc = await expectJson(await api('GET', '/api/openapi.json'), 200);
    expect(doc.paths['/api/orgs/{id}/members'].post).toBeUndefined();
  });

  it('the test helper joins through the routes (invite + accept)', async () => {
    const org = await seedOrg(alice);
    await addMember(org, dave, 'owner');
    const members = (await expectJson(await api('GET', `/api/orgs/${org}/members`, { as: dave }), 200)).items;
    expect(members.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([
      [alice, 'owner'],
      [dave, 'owner'],
    ]);
  });
});
