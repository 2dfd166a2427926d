/**
 * People on the sharing routes: nobody grants themselves anything (400
 * `self_grant`), and nobody's name or email reaches a caller who shares no
 * org with them — not in grant listings, audit pages, asset or collection
 * answers. A public asset names no owner to an anonymous caller.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { grants } from '../../shared/db/schema.ts';
import { createAsset, createUser, uid, withDb } from './support/fixtures.ts';
import { addMember, api, emailOf, expectJson, seedCollection, seedGrant, seedMember, seedOrg } from './support/sharing-api.ts';

let owner: string;
let manager: string; // holds manage on the asset; shares an org with owner only
let colleague: string; // shares an org with owner only
let outsider: string; // shares no org with anyone here
let outsiderName: string;
let outsiderEmail: string;

beforeAll(async () => {
  outsiderName = `outsider-${uid()}`;
  await withDb(async (db) => {
    [owner, manager, colleague, outsider] = [
      await createUser(db, 'owner'),
      await createUser(db, 'manager'),
      await createUser(db, 'colleague'),
      await createUser(db, outsiderName),
    ];
  });
  outsiderEmail = await emailOf(outsider);
  const team = await seedOrg(owner);
  await addMember(team, manager);
  const other = await seedOrg(owner);
  await seedMember(other, colleague);
});

const grantBody = (resourceId: string, who: Record<string, unknown>, permission = 'view') => ({
  resourceType: 'asset',
  resourceId,
  principalType: 'user',
  permission,
  ...who,
});
const grantsOf = async (asset: string, as: string) =>
  (await expectJson(await api('GET', `/api/grants?resourceType=asset&resourceId=${asset}`, { as }), 200)).items;

describe('nobody grants themselves anything', () => {
  it('by id or by their own email (any case): 400 self_grant, nothing stored', async () => {
    const asset = await withDb((db) => createAsset(db, owner));
    await seedGrant({
      resourceType: 'asset',
      resourceId: asset,
      principalType: 'user',
      principalId: manager,
      permission: 'manage',
      grantedBy: owner,
    });
    for (const who of [{ principalId: manager }, { principalEmail: ` ${(await emailOf(manager)).toUpperCase()} ` }]) {
      const res = await expectJson(await api('POST', '/api/grants', { as: manager, json: grantBody(asset, who, 'manage') }), 400);
      expect(res.error).toMatchObject({ code: 'self_grant', message: expect.stringMatching(/Nobody grants themselves anything/) });
    }
    // The owner too: their own asset needs no grant.
    expect(
      (await expectJson(await api('POST', '/api/grants', { as: owner, json: grantBody(asset, { principalId: owner }) }), 400)).error.code,
    ).toBe('self_grant');
    const rows = await withDb((db) => db.select().from(grants).where(eq(grants.resourceId, asset)));
    expect(rows.map((r) => r.principalId)).toEqual([manager]);
  });

  it('nor extends their own grant (400), though they may give it up', async () => {
    const asset = await withDb((db) => createAsset(db, owner));
    const mine = await seedGrant({
      resourceType: 'asset',
      resourceId: asset,
      principalType: 'user',
      principalId: manager,
      permission: 'manage',
      grantedBy: owner,
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const res = await expectJson(await api('PATCH', `/api/grants/${mine}`, { as: manager, json: { expiresAt: null } }), 400);
    expect(res.error.code).toBe('self_grant');
    const [row] = await withDb((db) => db.select().from(grants).where(eq(grants.id, mine)));
    expect(row!.expiresAt).not.toBeNull();
    expect((await api('DELETE', `/api/grants/${mine}`, { as: manager })).status).toBe(204);
  });

  it("changing someone else's grant makes the changer its granter", async () => {
    const asset = await withDb((db) => createAsset(db, owner));
    await seedGrant({
      resourceType: 'asset',
      resourceId: asset,
      principalType: 'user',
      principalId: manager,
      permission: 'manage',
      grantedBy: owner,
    });
    const theirs = await seedGrant({
      resourceType: 'asset',
      resourceId: asset,
      principalType: 'user',
      principalId: colleague,
      permission: 'view',
      grantedBy: owner,
    });
    const changed = await expectJson(await api('PATCH', `/api/grants/${theirs}`, { as: manager, json: { permission: 'download' } }), 200);
    expect(changed).toMatchObject({ permission: 'download', grantedBy: manager });
  });
});

describe("a stranger's name and email", () => {
  it('are not in grant listings, audit pages, asset or collection answers of someone who shares no org with them', async () => {
    const asset = await withDb((db) => createAsset(db, owner, { visibility: 'private' }));
    const album = await seedCollection(owner, [asset]);
    await seedGrant({
      resourceType: 'asset',
      resourceId: asset,
      principalType: 'user',
      principalId: manager,
      permission: 'manage',
      grantedBy: owner,
    });
    await seedGrant({
      resourceType: 'collection',
      resourceId: album,
      principalType: 'user',
      principalId: manager,
      permission: 'manage',
      grantedBy: owner,
    });
    // An old grant to the outsider (made before these rules), and one to the owner's colleague.
    await seedGrant({
      resourceType: 'asset',
      resourceId: asset,
      principalType: 'user',
      principalId: outsider,
      permission: 'manage',
      grantedBy: owner,
    });
    await seedGrant({
      resourceType: 'asset',
      resourceId: asset,
      principalType: 'user',
      principalId: colleague,
      permission: 'view',
      grantedBy: owner,
    });
    // The outsider acts on the asset, so the audit log names them as actor.
    await expectJson(await api('POST', '/api/share-links', { as: outsider, json: { resourceType: 'asset', resourceId: asset } }), 201);

    const byManager = await grantsOf(asset, manager);
    const row = (id: string) => byManager.find((g: { principalId: string }) => g.principalId === id);
    expect(row(outsider)).toMatchObject({ principalName: null, principalHidden: true });
    expect(row(colleague)).toMatchObject({ principalName: null, principalHidden: true });
    expect(row(manager)).toMatchObject({ principalName: 'manager', principalHidden: false });
    // The owner shares an org with the colleague, not with the outsider.
    const byOwner = await grantsOf(asset, owner);
    expect(byOwner.find((g: { principalId: string }) => g.principalId === colleague)).toMatchObject({
      principalName: 'colleague',
      principalHidden: false,
    });
    expect(byOwner.find((g: { principalId: string }) => g.principalId === outsider)).toMatchObject({
      principalName: null,
      principalHidden: true,
    });

    const audit = (await expectJson(await api('GET', `/api/audit?resourceType=asset&resourceId=${asset}`, { as: manager }), 200)).items;
    expect(audit.find((e: { action: string }) => e.action === 'share.create').actor).toEqual({ id: outsider, name: null });

    for (const [as, path] of [
      [manager, `/api/grants?resourceType=asset&resourceId=${asset}`],
      [owner, `/api/grants?resourceType=asset&resourceId=${asset}`],
      [manager, `/api/audit?resourceType=asset&resourceId=${asset}`],
      [manager, `/api/assets/${asset}`],
      [manager, `/api/collections/${album}`],
      [manager, `/api/grants?resourceType=collection&resourceId=${album}`],
    ] as const) {
      const text = await (await api('GET', path, { as })).text();
      expect(text, path).not.toContain(outsiderName);
      expect(text.toLowerCase(), path).not.toContain(outsiderEmail.toLowerCase());
    }
  });

  it('is named to someone who shares an org with them, once they joined by invitation', async () => {
    const asset = await withDb((db) => createAsset(db, outsider));
    await seedGrant({
      resourceType: 'asset',
      resourceId: asset,
      principalType: 'user',
      principalId: colleague,
      permission: 'view',
      grantedBy: outsider,
    });
    expect((await grantsOf(asset, outsider))[0]).toMatchObject({ principalName: null, principalHidden: true });
    const club = await seedOrg(outsider);
    await addMember(club, colleague);
    expect((await grantsOf(asset, outsider))[0]).toMatchObject({ principalName: 'colleague', principalHidden: false });
  });
});

describe('a public asset or collection', () => {
  it('names no owner (no owner id) to an anonymous caller; a signed-in one still gets it', async () => {
    const asset = await withDb((db) => createAsset(db, owner, { visibility: 'public', visibilitySetBy: owner }));
    const album = await seedCollection(owner, [asset], { visibility: 'public', visibilitySetBy: owner });
    for (const path of [`/api/assets/${asset}`, `/api/collections/${album}`]) {
      const res = await api('GET', path);
      const text = await res.text();
      expect(res.status, text).toBe(200);
      expect(JSON.parse(text), path).not.toHaveProperty('ownerId');
      expect(text, path).not.toContain(owner);
    }
    const col = await expectJson(await api('GET', `/api/collections/${album}`), 200);
    expect(col.items.map((i: { id: string }) => i.id)).toEqual([asset]);
    expect(col.items[0]).not.toHaveProperty('ownerId');
    expect((await expectJson(await api('GET', `/api/assets/${asset}`, { as: colleague }), 200)).ownerId).toBe(owner);
  });
});
