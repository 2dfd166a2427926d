/**
 * Scoped API keys: created by a session (secret once, stored hashed), used
 * as Bearer or X-API-Key, limited to their scopes and to what their user
 * may do, never on account routes; revoked and expired keys stop at once.
 */
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiKeys, assets, groupMembers, groups, grants, orgMembers, orgs, users } from '../../shared/db/schema.ts';
import { call, errorOf, register } from './support/auth.ts';
import { createKey, withKey } from './support/api-keys.ts';
import { createAsset, putVariant, uid, withDb } from './support/fixtures.ts';

const keyRow = (id: string) => withDb(async (db) => (await db.select().from(apiKeys).where(eq(apiKeys.id, id)))[0]!);
const titleOf = (id: string) => withDb(async (db) => (await db.select({ t: assets.title }).from(assets).where(eq(assets.id, id)))[0]?.t);

async function expectCode(res: Response, status: number, code: string) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(code);
}

describe('creating and listing', () => {
  it('answers the secret once, stores only a hash, lists without the secret', async () => {
    const reg = await register('keys');
    const key = await createKey(reg.accessToken, ['assets:read']);
    expect(key.secret).toMatch(/^mpk_[a-z2-7]{10}_[A-Za-z0-9_-]{43}$/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);
    const row = await keyRow(key.id);
    expect(JSON.stringify(row)).not.toContain(key.secret.slice(key.prefix.length));
    const list = await (await call('/api/auth/api-keys', { token: reg.accessToken })).text();
    expect(list).toContain(key.prefix);
    expect(list).not.toContain(key.secret);
  });

  it('refuses bad bodies with 400 and creates nothing', async () => {
    const reg = await register('keys-bad');
    const bad = [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['admin'] },
      { name: 'x', scopes: ['uploads', 'uploads'] },
      { name: '', scopes: ['uploads'] },
      { name: 'x', scopes: ['uploads'], expiresAt: '2001-01-01T00:00:00Z' },
      { name: 'x', scopes: ['uploads'], expiresAt: '2999-01-01T00:00:00Z' },
      { name: 'x', scopes: ['uploads'], expiresAt: 'tomorrow' },
      { name: 'x', scopes: ['uploads'], userId: uid() },
    ];
    for (const json of bad)
      expect((await call('/api/auth/api-keys', { token: reg.accessToken, json })).status, JSON.stringify(json)).toBe(400);
    const { keys } = (await (await call('/api/auth/api-keys', { token: reg.accessToken })).json()) as { keys: unknown[] };
    expect(keys).toHaveLength(0);
  });
});

describe('using a key', () => {
  it('works as X-API-Key and as Bearer, within its scope; outside it is 403 with nothing changed', async () => {
    const reg = await register('keys-use');
    const assetId = await withDb((db) => createAsset(db, reg.user.id, { title: 'before' }));
    const key = await createKey(reg.accessToken, ['assets:read']);
    for (const bearer of [false, true]) {
      const res = await withKey(`/api/assets/${assetId}`, key.secret, { bearer });
      expect(res.status, await res.clone().text()).toBe(200);
    }
    expect((await withKey('/api/me', key.secret)).status).toBe(200);
    await expectCode(
      await withKey(`/api/assets/${assetId}`, key.secret, { method: 'PATCH', json: { title: 'after' } }),
      403,
      'insufficient_scope',
    );
    await expectCode(
      await withKey('/api/uploads', key.secret, { json: { filename: 'a.txt', size: 1, contentType: 'text/plain' } }),
      403,
      'insufficient_scope',
    );
    expect(await titleOf(assetId)).toBe('before');

    const writer = await createKey(reg.accessToken, ['assets:write']);
    expect((await withKey(`/api/assets/${assetId}`, writer.secret, { method: 'PATCH', json: { title: 'after' } })).status).toBe(200);
    expect(await titleOf(assetId)).toBe('after');
  });

  it('reads media with assets:read', async () => {
    const reg = await register('keys-media');
    const assetId = await withDb((db) => createAsset(db, reg.user.id));
    await putVariant(assetId, 'w150.webp', 'webp bytes', 'image/webp');
    const key = await createKey(reg.accessToken, ['assets:read']);
    const res = await withKey(`/m/${assetId}/w150.webp`, key.secret, { bearer: true });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('webp bytes');
    const up = await createKey(reg.accessToken, ['uploads']);
    await expectCode(await withKey(`/m/${assetId}/w150.webp`, up.secret), 403, 'insufficient_scope');
  });

  it('uploads with the uploads scope', async () => {
    const reg = await register('keys-up');
    const key = await createKey(reg.accessToken, ['uploads']);
    const res = await withKey('/api/uploads', key.secret, { json: { filename: 'a.txt', size: 3, contentType: 'text/plain' } });
    expect(res.status, await res.clone().text()).toBe(201);
    const { assetId } = (await res.json()) as { assetId: string };
    expect((await withKey(`/api/assets/${assetId}/status`, key.secret)).status).toBe(200);
    await expectCode(await withKey(`/api/assets/${assetId}`, key.secret), 403, 'insufficient_scope');

    // The Companion endpoints (a wildcard middleware authenticates them): the route, not the middleware, decides.
    const multipart = { filename: 'big.bin', type: 'application/octet-stream', metadata: { size: 12 * 2 ** 20 } };
    const started = await withKey('/s3/multipart', key.secret, { json: multipart });
    expect(started.status, await started.clone().text()).toBe(200);
    const { uploadId, key: objectKey } = (await started.json()) as { uploadId: string; key: string };
    const part = await withKey(`/s3/multipart/${encodeURIComponent(uploadId)}/1?key=${encodeURIComponent(objectKey)}`, key.secret);
    expect(part.status, await part.clone().text()).toBe(200);
    const reader = await createKey(reg.accessToken, ['assets:read']);
    await expectCode(await withKey('/s3/multipart', reader.secret, { json: multipart }), 403, 'insufficient_scope');
    await expectCode(
      await withKey(`/s3/multipart/${encodeURIComponent(uploadId)}/1?key=${encodeURIComponent(objectKey)}`, reader.secret),
      403,
      'insufficient_scope',
    );
  });

  it('never manages keys, 2FA, sessions or the password, whatever its scopes', async () => {
    const reg = await register('keys-admin');
    const key = await createKey(reg.accessToken, ['assets:read', 'assets:write', 'uploads', 'sharing']);
    const probes: [string, string, unknown?][] = [
      ['GET', '/api/auth/api-keys'],
      ['POST', '/api/auth/api-keys', { name: 'escalate', scopes: ['uploads'] }],
      ['DELETE', `/api/auth/api-keys/${key.id}`],
      ['GET', '/api/auth/totp'],
      ['POST', '/api/auth/totp/enrol'],
      ['GET', '/api/auth/sessions'],
      ['POST', '/api/auth/sessions/end-others'],
      ['POST', '/api/auth/password', { currentPassword: reg.password, newPassword: 'a key chose this password' }],
    ];
    for (const [method, path, json] of probes) {
      const res = await withKey(path, key.secret, { method, ...(json === undefined ? {} : { json }) });
      await expectCode(res, 403, 'insufficient_scope');
    }
    expect((await keyRow(key.id)).revokedAt).toBeNull();
    const { keys } = (await (await call('/api/auth/api-keys', { token: reg.accessToken })).json()) as { keys: unknown[] };
    expect(keys).toHaveLength(1);
  });

  it('records last use, at most once a minute', async () => {
    const reg = await register('keys-last');
    const key = await createKey(reg.accessToken, ['assets:read']);
    expect((await keyRow(key.id)).lastUsedAt).toBeNull();
    expect((await withKey('/api/assets', key.secret)).status).toBe(200);
    const first = (await keyRow(key.id)).lastUsedAt;
    expect(first).not.toBeNull();
    expect((await withKey('/api/assets', key.secret)).status).toBe(200);
    expect((await keyRow(key.id)).lastUsedAt?.getTime()).toBe(first!.getTime());
  });
});

describe('refused keys', () => {
  it('unknown prefix, wrong secret, malformed, two credentials: 401', async () => {
    const reg = await register('keys-refused');
    const key = await createKey(reg.accessToken, ['assets:read']);
    const secretPart = key.secret.slice(key.prefix.length);
    const wrongSecret = `${key.prefix}${secretPart.startsWith('A') ? 'B' : 'A'}${secretPart.slice(1)}`;
    for (const bad of [`mpk_aaaaaaaaaa_${'A'.repeat(43)}`, wrongSecret, 'mpk_short', `mpk_${'x'.repeat(500)}`]) {
      await expectCode(await withKey('/api/assets', bad), 401, 'invalid_api_key');
      await expectCode(await withKey('/api/assets', bad, { bearer: true }), 401, 'invalid_api_key');
    }
    const both = await withKey('/api/assets', key.secret, { headers: { authorization: `Bearer ${reg.accessToken}` } });
    expect(both.status).toBe(401);
  });

  it('a revoked or expired key, or one whose user is disabled, stops at once (reads too)', async () => {
    const reg = await register('keys-revoke');
    const key = await createKey(reg.accessToken, ['assets:read']);
    expect((await withKey('/api/assets', key.secret)).status).toBe(200);
    expect((await call(`/api/auth/api-keys/${key.id}`, { method: 'DELETE', token: reg.accessToken })).status).toBe(204);
    await expectCode(await withKey('/api/assets', key.secret), 401, 'invalid_api_key');
    expect((await call(`/api/auth/api-keys/${key.id}`, { method: 'DELETE', token: reg.accessToken })).status).toBe(404);

    const soon = await createKey(reg.accessToken, ['assets:read'], { expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    expect((await withKey('/api/assets', soon.secret)).status).toBe(200);
    await withDb((db) => db.update(apiKeys).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(apiKeys.id, soon.id)));
    await expectCode(await withKey('/api/assets', soon.secret), 401, 'invalid_api_key');

    const live = await createKey(reg.accessToken, ['assets:read']);
    await withDb((db) => db.update(users).set({ disabledAt: sql`now()` }).where(eq(users.id, reg.user.id)));
    await expectCode(await withKey('/api/assets', live.secret), 401, 'invalid_api_key');
  });

  it("cannot revoke another user's key (404, still usable)", async () => {
    const alice = await register('keys-alice');
    const mallory = await register('keys-mallory');
    const key = await createKey(alice.accessToken, ['assets:read']);
    expect((await call(`/api/auth/api-keys/${key.id}`, { method: 'DELETE', token: mallory.accessToken })).status).toBe(404);
    expect((await withKey('/api/assets', key.secret)).status).toBe(200);
  });
});

describe('compositions', () => {
  it("a key reaches no more than its user: another user's private asset is 404", async () => {
    const owner = await register('keys-owner');
    const other = await register('keys-other');
    const assetId = await withDb((db) => createAsset(db, owner.user.id));
    const key = await createKey(other.accessToken, ['assets:read', 'assets:write']);
    expect((await withKey(`/api/assets/${assetId}`, key.secret)).status).toBe(404);
    expect((await withKey(`/api/assets/${assetId}`, key.secret, { method: 'PATCH', json: { title: 'x' } })).status).toBe(404);
  });

  it('a key of a user removed from a group loses what the group gave, at once', async () => {
    const owner = await register('keys-gowner');
    const member = await register('keys-gmember');
    const assetId = await withDb(async (db) => {
      const [org] = await db
        .insert(orgs)
        .values({ name: 'Keys', slug: `keys-${uid()}` })
        .returning({ id: orgs.id });
      await db.insert(orgMembers).values([
        { orgId: org!.id, userId: owner.user.id, role: 'owner' },
        { orgId: org!.id, userId: member.user.id },
      ]);
      const [group] = await db.insert(groups).values({ orgId: org!.id, name: 'g' }).returning({ id: groups.id });
      await db.insert(groupMembers).values({ groupId: group!.id, userId: member.user.id });
      const id = await createAsset(db, owner.user.id);
      await db.insert(grants).values({
        resourceType: 'asset',
        resourceId: id,
        principalType: 'group',
        principalId: group!.id,
        permission: 'view',
        grantedBy: owner.user.id,
      });
      return id;
    });
    const key = await createKey(member.accessToken, ['assets:read']);
    expect((await withKey(`/api/assets/${assetId}`, key.secret)).status).toBe(200);
    await withDb((db) => db.delete(groupMembers).where(eq(groupMembers.userId, member.user.id)));
    expect((await withKey(`/api/assets/${assetId}`, key.secret)).status).toBe(404);
  });

  it('a sharing-only key cannot mint a link or grant (that would read the asset); with assets:read it can', async () => {
    const reg = await register('keys-share');
    const assetId = await withDb((db) => createAsset(db, reg.user.id));
    const json = { resourceType: 'asset', resourceId: assetId, permission: 'download' };
    const sharing = await createKey(reg.accessToken, ['sharing']);
    await expectCode(await withKey('/api/share-links', sharing.secret, { json }), 403, 'insufficient_scope');
    await expectCode(await withKey('/api/share-links', sharing.secret), 403, 'insufficient_scope');
    const both = await createKey(reg.accessToken, ['sharing', 'assets:read']);
    const res = await withKey('/api/share-links', both.secret, { json });
    expect(res.status, await res.clone().text()).toBe(201);
  });

  it('a key outlives a logout of the session that made it, and is ended only by revocation', async () => {
    const reg = await register('keys-logout');
    const key = await createKey(reg.accessToken, ['assets:read']);
    expect((await call('/api/auth/logout', { method: 'POST', refresh: reg.refresh })).status).toBe(204);
    expect((await withKey('/api/assets', key.secret)).status).toBe(200);
    // The logged-out session's token cannot revoke or create keys (a write on an ended session).
    const res = await call('/api/auth/api-keys', { token: reg.accessToken, json: { name: 'late', scopes: ['uploads'] } });
    expect((await errorOf(res)).code).toBe('session_ended');
  });
});
