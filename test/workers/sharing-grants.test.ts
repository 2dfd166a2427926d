/**
 * Grants through the API: created (or updated in place) by manage holders,
 * listed, changed, deleted, audited; and the access they give reaches media.
 * A person receives grants only from someone who shares an org with them
 * (here the `circle` org); strangers, self-grants and hidden names:
 * sharing-people.test.ts.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, users } from '../../shared/db/schema.ts';
import { createAsset, createUser, putVariant, withDb } from './support/fixtures.ts';
import { addMember, api, errorCode, expectJson, seedCollection, seedGroup, seedMember, seedOrg } from './support/sharing-api.ts';

let owner: string;
let friend: string;
let teammate: string;
let org: string;
let group: string;
let circle: string; // owner, friend and teammate: who may name whom

const future = (ms = 3_600_000) => new Date(Date.now() + ms).toISOString();

beforeAll(async () => {
  await withDb(async (db) => {
    owner = await createUser(db, 'owner');
    friend = await createUser(db, 'friend');
    teammate = await createUser(db, 'teammate');
  });
  org = await seedOrg(owner);
  await seedMember(org, teammate);
  group = await seedGroup(org, [teammate]);
  circle = await seedOrg(owner, { name: 'Circle' });
  await addMember(circle, friend);
  await seedMember(circle, teammate);
});

const newAsset = () => withDb((db) => createAsset(db, owner));

describe('grants', () => {
  it('are created by the owner, updated in place on a second grant, listed with principal names', async () => {
    const asset = await newAsset();
    const body = { resourceType: 'asset', resourceId: asset, principalType: 'user', principalId: friend, permission: 'view' };
    const created = await expectJson(await api('POST', '/api/grants', { as: owner, json: body }), 201);
    expect(created).toMatchObject({
      principalName: 'friend',
      principalHidden: false,
      permission: 'view',
      expiresAt: null,
      active: true,
      grantedBy: owner,
    });
    const expiresAt = future();
    const again = await expectJson(
      await api('POST', '/api/grants', { as: owner, json: { ...body, permission: 'download', expiresAt } }),
      200,
    );
    expect(again).toMatchObject({ id: created.id, permission: 'download', expiresAt });
    await expectJson(await api('POST', '/api/grants', { as: owner, json: { ...body, principalType: 'group', principalId: group } }), 201);
    await expectJson(await api('POST', '/api/grants', { as: owner, json: { ...body, principalType: 'org', principalId: org } }), 201);
    const list = await expectJson(await api('GET', `/api/grants?resourceType=asset&resourceId=${asset}`, { as: owner }), 200);
    expect(list.items.map((g: { principalType: string; principalName: string }) => [g.principalType, g.principalName])).toEqual([
      ['user', 'friend'],
      ['group', expect.stringMatching(/^group-/)],
      ['org', 'Org'],
    ]);
  });

  it('give access that the media route honours, and lose it when deleted', async () => {
    const asset = await newAsset();
    await putVariant(asset, 'w320.webp', 'thumb', 'image/webp');
    const view = async () => (await api('GET', `/m/${asset}/w320.webp`, { as: friend })).status;
    expect(await view()).toBe(404);
    const g = await expectJson(
      await api('POST', '/api/grants', {
        as: owner,
        json: { resourceType: 'asset', resourceId: asset, principalType: 'user', principalId: friend, permission: 'view' },
      }),
      201,
    );
    expect(await view()).toBe(200);
    expect((await api('GET', `/m/${asset}/original`, { as: friend })).status).toBe(403);
    expect((await api('DELETE', `/api/grants/${g.id}`, { as: owner })).status).toBe(204);
    expect(await view()).toBe(404);
    expect((await api('DELETE', `/api/grants/${g.id}`, { as: owner })).status).toBe(404);
  });

  it('on a collection reach its items, through a group', async () => {
    const asset = await newAsset();
    await putVariant(asset, 'w320.webp', 'thumb', 'image/webp');
    const col = await seedCollection(owner, [asset]);
    expect((await api('GET', `/m/${asset}/w320.webp`, { as: teammate })).status).toBe(404);
    await expectJson(
      await api('POST', '/api/grants', {
        as: owner,
        json: { resourceType: 'collection', resourceId: col, principalType: 'group', principalId: group, permission: 'view' },
      }),
      201,
    );
    expect((await api('GET', `/m/${asset}/w320.webp`, { as: teammate })).status).toBe(200);
  });

  it('are changed (permission, expiry, no expiry) and every change is audited', async () => {
    const asset = await newAsset();
    const g = await expectJson(
      await api('POST', '/api/grants', {
        as: owner,
        json: {
          resourceType: 'asset',
          resourceId: asset,
          principalType: 'user',
          principalId: friend,
          permission: 'view',
          expiresAt: future(),
        },
      }),
      201,
    );
    expect(await expectJson(await api('PATCH', `/api/grants/${g.id}`, { as: owner, json: { permission: 'edit' } }), 200)).toMatchObject({
      permission: 'edit',
    });
    expect(await expectJson(await api('PATCH', `/api/grants/${g.id}`, { as: owner, json: { expiresAt: null } }), 200)).toMatchObject({
      expiresAt: null,
    });
    expect((await api('DELETE', `/api/grants/${g.id}`, { as: owner })).status).toBe(204);
    const rows = await withDb((db) =>
      db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.resourceId, asset), eq(auditLog.resourceType, 'asset')))
        .orderBy(auditLog.id),
    );
    expect(rows.map((r) => r.action)).toEqual(['grant.create', 'grant.update', 'grant.update', 'grant.delete']);
    expect(rows[0]).toMatchObject({
      actorId: owner,
      detail: expect.objectContaining({ grantId: g.id, principalId: friend, permission: 'view' }),
    });
  });

  it('may be made by a manage holder, up to manage; an edit holder may not', async () => {
    const asset = await newAsset();
    const grant = (as: string, principalId: string, permission: string) =>
      api('POST', '/api/grants', {
        as,
        json: { resourceType: 'asset', resourceId: asset, principalType: 'user', principalId, permission },
      });
    await expectJson(await grant(owner, friend, 'manage'), 201);
    await expectJson(await grant(friend, teammate, 'manage'), 201);
    await expectJson(await grant(owner, teammate, 'edit'), 200);
    const refused = await grant(teammate, owner, 'view');
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe('forbidden');
  });

  it('go only to existing principals, groups and orgs only from their members', async () => {
    const asset = await newAsset();
    const grant = (principalType: string, principalId: string, as = owner) =>
      api('POST', '/api/grants', {
        as,
        json: { resourceType: 'asset', resourceId: asset, principalType, principalId, permission: 'view' },
      });
    expect((await grant('user', crypto.randomUUID())).status).toBe(404);
    // Someone who shares no org with the granter is not reachable (the same 404 as no such person).
    const stranger = await withDb((db) => createUser(db, 'stranger'));
    const unknown = await expectJson(await grant('user', crypto.randomUUID()), 404);
    expect(await expectJson(await grant('user', stranger), 404)).toMatchObject({
      error: { code: 'not_found', message: unknown.error.message },
    });
    expect((await grant('group', crypto.randomUUID())).status).toBe(404);
    const otherOrg = await seedOrg(friend);
    const otherGroup = await seedGroup(otherOrg);
    expect((await grant('org', otherOrg)).status).toBe(404);
    expect((await grant('group', otherGroup)).status).toBe(404);
  });

  it('are refused on a trashed resource (409)', async () => {
    const asset = await withDb((db) => createAsset(db, owner, { deletedAt: new Date() }));
    const res = await api('POST', '/api/grants', {
      as: owner,
      json: { resourceType: 'asset', resourceId: asset, principalType: 'user', principalId: friend, permission: 'view' },
    });
    expect(res.status).toBe(409);
  });

  describe('to a user named by email', () => {
    let friendEmail: string;
    beforeAll(async () => {
      friendEmail = (await withDb((db) => db.select({ email: users.email }).from(users).where(eq(users.id, friend))))[0]!.email;
    });
    const body = (asset: string, extra: Record<string, unknown>) => ({
      resourceType: 'asset',
      resourceId: asset,
      permission: 'view',
      ...extra,
    });
    const fieldsOf = async (res: Response) => {
      const b = await expectJson(res, 400);
      expect(b.error.code).toBe('validation_failed');
      return b.error.details.fields as { field: string; message: string }[];
    };

    it('resolve the email (any case, surrounding spaces) to the user and grant as with principalId', async () => {
      const asset = await newAsset();
      await putVariant(asset, 'w320.webp', 'thumb', 'image/webp');
      const created = await expectJson(
        await api('POST', '/api/grants', {
          as: owner,
          json: body(asset, { principalType: 'user', principalEmail: ` ${friendEmail.toUpperCase()} ` }),
        }),
        201,
      );
      expect(created).toMatchObject({ principalType: 'user', principalId: friend, principalName: 'friend', permission: 'view' });
      expect((await api('GET', `/m/${asset}/w320.webp`, { as: friend })).status).toBe(200);
      // A second grant by email updates the same row.
      const again = await expectJson(
        await api('POST', '/api/grants', {
          as: owner,
          json: body(asset, { principalType: 'user', principalEmail: friendEmail, permission: 'download' }),
        }),
        200,
      );
      expect(again).toMatchObject({ id: created.id, permission: 'download' });
    });

    it('need exactly one of principalId and principalEmail (400 naming the field)', async () => {
      const asset = await newAsset();
      const both = await fieldsOf(
        await api('POST', '/api/grants', {
          as: owner,
          json: body(asset, { principalType: 'user', principalId: friend, principalEmail: friendEmail }),
        }),
      );
      expect(both).toEqual([expect.objectContaining({ field: 'principalEmail', message: expect.stringMatching(/not both/) })]);
      const neither = await fieldsOf(await api('POST', '/api/grants', { as: owner, json: body(asset, { principalType: 'user' }) }));
      expect(neither).toEqual([
        expect.objectContaining({ field: 'principalId', message: expect.stringMatching(/principalId or principalEmail/) }),
      ]);
      const bad = await fieldsOf(
        await api('POST', '/api/grants', { as: owner, json: body(asset, { principalType: 'user', principalEmail: 'not-an-email' }) }),
      );
      expect(bad.map((f) => f.field)).toEqual(['principalEmail']);
    });

    it("answer one 404 for an unknown email and a stranger's", async () => {
      const asset = await newAsset();
      const stranger = await withDb((db) => createUser(db, 'stranger'));
      const [strangerEmail] = await withDb((db) => db.select({ email: users.email }).from(users).where(eq(users.id, stranger)));
      const answers = [];
      for (const principalEmail of [`nobody-${crypto.randomUUID()}@example.test`, strangerEmail!.email]) {
        const b = await expectJson(
          await api('POST', '/api/grants', { as: owner, json: body(asset, { principalType: 'user', principalEmail }) }),
          404,
        );
        answers.push({ code: b.error.code, message: b.error.message, keys: Object.keys(b.error).sort() });
      }
      expect(answers[0]).toEqual(answers[1]);
      expect(answers[0]).toMatchObject({ code: 'not_found', message: expect.stringMatching(/shares an organisation with you/) });
      expect(await expectJson(await api('GET', `/api/grants?resourceType=asset&resourceId=${asset}`, { as: owner }), 200)).toEqual({
        items: [],
      });
    });

    it('are refused for a group or org principal (400 naming principalEmail)', async () => {
      const asset = await newAsset();
      for (const principalType of ['group', 'org']) {
        const withEmail = await fieldsOf(
          await api('POST', '/api/grants', { as: owner, json: body(asset, { principalType, principalEmail: friendEmail }) }),
        );
        expect(withEmail.map((f) => f.field)).toContain('principalEmail');
        const alongsideId = await fieldsOf(
          await api('POST', '/api/grants', {
            as: owner,
            json: body(asset, { principalType, principalId: principalType === 'group' ? group : org, principalEmail: friendEmail }),
          }),
        );
        expect(alongsideId.map((f) => f.field)).toEqual(['principalEmail']);
      }
    });

    it('are still refused to a caller without manage on the resource', async () => {
      const asset = await newAsset();
      const res = await api('POST', '/api/grants', {
        as: friend,
        json: body(asset, { principalType: 'user', principalEmail: friendEmail }),
      });
      expect(res.status).toBe(404);
    });
  });
});
