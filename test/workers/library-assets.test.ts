/**
 * The library's asset routes, happy paths: the list (order, keyset pages,
 * ties, filters, scopes), one asset with its derivatives and signed media
 * URLs that the media route accepts, updates, soft delete, trash, restore.
 */
import { SELF } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { assets, auditLog, collectionItems, collections, derivatives, grants } from '../../shared/db/schema.ts';
import { createAsset, createUser, putVariant, withDb } from './support/fixtures.ts';
import { ORIGIN, api, expectStatus } from './support/library-world.ts';

type Page = { items: { id: string; type: string; thumbnail: { url: string; variant: string } | null }[]; nextCursor: string | null };

/** Every page of a list, following nextCursor. */
async function all(path: string, as: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page = await expectStatus(await api('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { as }), 200);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { ids, pages };
}

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);

describe('GET /api/assets', () => {
  it('lists the caller’s assets newest first, in pages that never skip or repeat (ties included)', async () => {
    const { user, expected } = await withDb(async (db) => {
      const user = await createUser(db, 'lister');
      const tie = at(10);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await createAsset(db, user, { createdAt: at(20 + i) }));
      // Five assets created in the same microsecond: ordered by id.
      const tied = await Promise.all(Array.from({ length: 5 }, () => createAsset(db, user, { createdAt: tie })));
      const newest = await createAsset(db, user, { createdAt: at(1) });
      await createAsset(db, user, { createdAt: at(2), deletedAt: new Date() }); // in the trash: never listed
      return { user, expected: [newest, ...tied.sort(), ...ids] };
    });
    const { ids, pages } = await all('/api/assets', user, 2);
    expect(ids).toEqual(expected);
    expect(pages).toBe(5);
    const one = await expectStatus<Page>(await api('GET', '/api/assets', { as: user }), 200);
    expect(one.items.map((i) => i.id)).toEqual(expected);
    expect(one.nextCursor).toBeNull();
  });

  it('filters by type (detected before declared), status, tag and collection', async () => {
    const w = await withDb(async (db) => {
      const user = await createUser(db, 'filters');
      const image = await createAsset(db, user, { declaredType: 'application/octet-stream', detectedType: 'image/png' });
      const video = await createAsset(db, user, { declaredType: 'video/mp4', status: 'processing' });
      const audio = await createAsset(db, user, { declaredType: 'audio/mpeg' });
      const pdf = await createAsset(db, user, { declaredType: 'application/pdf' });
      const docx = await createAsset(db, user, { declaredType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' });
      const zip = await createAsset(db, user, { declaredType: 'image/png', detectedType: 'application/zip' });
      const [col] = await db.insert(collections).values({ ownerId: user, name: 'c' }).returning();
      await db.insert(collectionItems).values([{ collectionId: col!.id, assetId: audio, position: 0, addedBy: user }]);
      return { user, image, video, audio, pdf, docx, zip, col: col!.id };
    });
    await expectStatus(await api('PUT', `/api/assets/${w.pdf}/tags`, { as: w.user, json: { tags: ['Invoices', '2026'] } }), 200);
    const ids = async (query: string) => (await all(`/api/assets?${query}`, w.user, 50)).ids.sort();
    expect(await ids('type=image')).toEqual([w.image]);
    expect(await ids('type=video')).toEqual([w.video]);
    expect(await ids('type=audio')).toEqual([w.audio]);
    expect(await ids('type=document')).toEqual([w.pdf, w.docx].sort());
    expect(await ids('type=other')).toEqual([w.zip]);
    expect(await ids('status=processing')).toEqual([w.video]);
    expect(await ids('tag=invoices')).toEqual([w.pdf]);
    expect(await ids(`collectionId=${w.col}`)).toEqual([w.audio]);
    expect(await ids(`type=audio&collectionId=${w.col}&status=ready`)).toEqual([w.audio]);
    const page = await expectStatus<Page>(await api('GET', '/api/assets?type=document', { as: w.user }), 200);
    expect(new Set(page.items.map((i) => i.type))).toEqual(new Set(['document']));
  });

  it('scope: mine, shared (not owned but visible) and all', async () => {
    const w = await withDb(async (db) => {
      const me = await createUser(db, 'me');
      const other = await createUser(db, 'other');
      const mine = await createAsset(db, me);
      const granted = await createAsset(db, other);
      const hidden = await createAsset(db, other);
      await db.insert(grants).values({
        resourceType: 'asset',
        resourceId: granted,
        principalType: 'user',
        principalId: me,
        permission: 'view',
        grantedBy: other,
      });
      return { me, mine, granted, hidden };
    });
    const list = async (scope: string) => (await all(`/api/assets?scope=${scope}`, w.me, 100)).ids;
    expect(await list('mine')).toEqual([w.mine]);
    const shared = await list('shared');
    expect(shared).toContain(w.granted);
    expect(shared).not.toContain(w.mine);
    expect(shared).not.toContain(w.hidden);
    const everything = await list('all');
    expect(everything).toEqual(expect.arrayContaining([w.mine, w.granted]));
    expect(everything).not.toContain(w.hidden);
  });

  it('carries a signed thumbnail URL the media route serves, none for a blocked asset', async () => {
    const w = await withDb(async (db) => {
      const user = await createUser(db, 'thumbs');
      const ok = await createAsset(db, user, { createdAt: at(1) });
      const blocked = await createAsset(db, user, { status: 'blocked', createdAt: at(2) });
      for (const id of [ok, blocked]) {
        await db.insert(derivatives).values([
          {
            assetId: id,
            kind: 'w320.webp',
            key: `${id}/w320.webp`,
            contentType: 'image/webp',
            width: 320,
            height: 200,
            size: 10,
            status: 'ready',
          },
          {
            assetId: id,
            kind: 'w150.webp',
            key: `${id}/w150.webp`,
            contentType: 'image/webp',
            width: 150,
            height: 90,
            size: 5,
            status: 'ready',
          },
        ]);
      }
      return { user, ok, blocked };
    });
    await putVariant(w.ok, 'w320.webp', 'thumb bytes', 'image/webp');
    const page = await expectStatus<Page>(await api('GET', '/api/assets', { as: w.user }), 200);
    const [ok, blocked] = page.items;
    expect(ok!.thumbnail!.variant).toBe('w320.webp');
    expect(blocked!.thumbnail).toBeNull();
    const res = await SELF.fetch(`${ORIGIN}${ok!.thumbnail!.url}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('thumb bytes');
    // The token is scoped to that one variant.
    const other = ok!.thumbnail!.url.replace('/w320.webp?', '/w150.webp?');
    expect((await SELF.fetch(`${ORIGIN}${other}`)).status).toBe(403);
  });
});

describe('GET /api/assets/:id', () => {
  async function videoWorld() {
    return withDb(async (db) => {
      const owner = await createUser(db, 'owner');
      const viewer = await createUser(db, 'viewer');
      const id = await createAsset(db, owner, {
        declaredType: 'video/mp4',
        filename: 'clip.mp4',
        metadata: { camera: 'X100' },
        placeholder: 'abc',
      });
      await db.insert(grants).values({
        resourceType: 'asset',
        resourceId: id,
        principalType: 'user',
        principalId: viewer,
        permission: 'view',
        grantedBy: owner,
      });
      const d = (kind: string, contentType: string, status: 'ready' | 'pending' = 'ready') => ({
        assetId: id,
        kind,
        key: `${id}/${kind}`,
        contentType,
        status,
        size: 3,
      });
      await db
        .insert(derivatives)
        .values([
          d('hls/master.m3u8', 'application/vnd.apple.mpegurl'),
          d('hls/master_360p.m3u8', 'application/vnd.apple.mpegurl'),
          d('hls/master_360p_00001.ts', 'video/mp2t'),
          d('poster.jpg', 'image/jpeg'),
          d('preview.mp4', 'video/mp4', 'pending'),
        ]);
      return { owner, viewer, id };
    });
  }

  it('shows where a photo was taken only to callers who may edit it', async () => {
    const w = await withDb(async (db) => {
      const owner = await createUser(db, 'owner');
      const viewer = await createUser(db, 'viewer');
      const editor = await createUser(db, 'editor');
      const metadata = { make: 'Fujifilm', gpsLatitude: 48.858844, gpsLongitude: 2.294351 };
      const id = await createAsset(db, owner, { metadata, visibility: 'public' });
      await db.insert(grants).values([
        { resourceType: 'asset', resourceId: id, principalType: 'user', principalId: viewer, permission: 'download', grantedBy: owner },
        { resourceType: 'asset', resourceId: id, principalType: 'user', principalId: editor, permission: 'edit', grantedBy: owner },
      ]);
      return { owner, viewer, editor, id };
    });
    const metadataAs = async (as?: string) =>
      (await expectStatus<{ metadata: Record<string, unknown> }>(await api('GET', `/api/assets/${w.id}`, as ? { as } : {}), 200)).metadata;
    const located = { make: 'Fujifilm', gpsLatitude: 48.858844, gpsLongitude: 2.294351 };
    expect(await metadataAs(w.owner)).toEqual(located);
    expect(await metadataAs(w.editor)).toEqual(located);
    expect(await metadataAs(w.viewer)).toEqual({ make: 'Fujifilm' });
    expect(await metadataAs()).toEqual({ make: 'Fujifilm' });
  });

  it('shows fields, every stored file, and media URLs: HLS by its master (hls/ scope), original only with download', async () => {
    const w = await videoWorld();
    await putVariant(w.id, 'hls/master.m3u8', '#EXTM3U\nmaster_360p.m3u8\n', 'application/vnd.apple.mpegurl');
    await putVariant(w.id, 'hls/master_360p_00001.ts', 'segment', 'video/mp2t');
    await putVariant(w.id, 'original', 'original bytes', 'video/mp4');
    const body = await expectStatus(await api('GET', `/api/assets/${w.id}`, { as: w.owner }), 200);
    expect(body).toMatchObject({
      id: w.id,
      filename: 'clip.mp4',
      type: 'video',
      status: 'ready',
      permission: 'manage',
      metadata: { camera: 'X100' },
      placeholder: 'abc',
      tags: [],
      deletedAt: null,
    });
    expect(body.derivatives.map((d: { kind: string }) => d.kind)).toEqual([
      'hls/master.m3u8',
      'hls/master_360p.m3u8',
      'hls/master_360p_00001.ts',
      'poster.jpg',
      'preview.mp4',
    ]);
    const media = Object.fromEntries(body.media.map((m: { variant: string; url: string; expiresAt: string }) => [m.variant, m]));
    expect(Object.keys(media).sort()).toEqual(['hls/master.m3u8', 'original', 'poster.jpg']);
    expect(Date.parse(media['poster.jpg'].expiresAt)).toBeGreaterThan(Date.now());
    const master = await SELF.fetch(`${ORIGIN}${media['hls/master.m3u8'].url}`);
    expect(master.status).toBe(200);
    const token = new URL(media['hls/master.m3u8'].url, ORIGIN).searchParams.get('t')!;
    expect(await master.text()).toContain(`master_360p.m3u8?t=${token}`);
    expect((await SELF.fetch(`${ORIGIN}/m/${w.id}/hls/master_360p_00001.ts?t=${token}`)).status).toBe(200);
    const original = await SELF.fetch(`${ORIGIN}${media.original.url}`);
    expect(await original.text()).toBe('original bytes');
    expect(body.thumbnail.variant).toBe('poster.jpg');

    const asViewer = await expectStatus(await api('GET', `/api/assets/${w.id}`, { as: w.viewer }), 200);
    expect(asViewer.permission).toBe('view');
    expect(asViewer.media.map((m: { variant: string }) => m.variant).sort()).toEqual(['hls/master.m3u8', 'poster.jpg']);
  });

  it('serves a public asset to an anonymous caller, without the original', async () => {
    const id = await withDb(async (db) => createAsset(db, await createUser(db), { visibility: 'public' }));
    const body = await expectStatus(await api('GET', `/api/assets/${id}`), 200);
    expect(body.permission).toBe('view');
    expect(body.media).toEqual([]);
  });
});

describe('PATCH, DELETE, trash, restore', () => {
  it('updates the title and description; an empty title clears it; visibility changes are audited', async () => {
    const { user, id } = await withDb(async (db) => {
      const user = await createUser(db);
      return { user, id: await createAsset(db, user, { title: 'Old' }) };
    });
    let body = await expectStatus(
      await api('PATCH', `/api/assets/${id}`, { as: user, json: { title: '  New title  ', description: 'Line one\nline two' } }),
      200,
    );
    expect(body).toMatchObject({ title: 'New title', description: 'Line one\nline two' });
    body = await expectStatus(await api('PATCH', `/api/assets/${id}`, { as: user, json: { title: '', description: null } }), 200);
    expect(body).toMatchObject({ title: null, description: null });
    body = await expectStatus(await api('PATCH', `/api/assets/${id}`, { as: user, json: { visibility: 'public' } }), 200);
    expect(body.visibility).toBe('public');
    const audits = await withDb((db) =>
      db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.resourceId, id), eq(auditLog.action, 'asset.visibility_changed'))),
    );
    expect(audits.map((a) => a.detail)).toEqual([{ from: 'private', to: 'public' }]);
  });

  it('soft-deletes into the trash with the retention period, lists the trash, restores', async () => {
    const { user, id, older } = await withDb(async (db) => {
      const user = await createUser(db);
      return { user, id: await createAsset(db, user), older: await createAsset(db, user, { deletedAt: at(60), purgeAfter: at(-60) }) };
    });
    await expectStatus(await api('DELETE', `/api/assets/${id}`, { as: user }), 204);
    await expectStatus(await api('DELETE', `/api/assets/${id}`, { as: user }), 204); // again: still in the trash, unchanged
    const [row] = await withDb((db) => db.select().from(assets).where(eq(assets.id, id)));
    const days = (row!.purgeAfter!.getTime() - row!.deletedAt!.getTime()) / 86_400_000;
    expect(days).toBe(1826);
    expect((await all('/api/assets', user, 10)).ids).toEqual([]);
    const trash = await expectStatus(await api('GET', '/api/trash?limit=1', { as: user }), 200);
    expect(trash.items.map((i: { id: string }) => i.id)).toEqual([id]);
    expect(trash.items[0].purgeAfter).toBe(row!.purgeAfter!.toISOString());
    expect((await all('/api/trash', user, 1)).ids).toEqual([id, older]);
    const detail = await expectStatus(await api('GET', `/api/assets/${id}`, { as: user }), 200);
    expect(detail.deletedAt).toBe(row!.deletedAt!.toISOString());
    // No edits while in the trash.
    expect((await api('PATCH', `/api/assets/${id}`, { as: user, json: { title: 'x' } })).status).toBe(409);
    const restored = await expectStatus(await api('POST', `/api/assets/${id}/restore`, { as: user }), 200);
    expect(restored).toMatchObject({ id, deletedAt: null, purgeAfter: null });
    expect((await all('/api/assets', user, 10)).ids).toEqual([id]);
    const audit = await withDb((db) => db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.resourceId, id)));
    expect(audit.map((a) => a.action).sort()).toEqual(['asset.delete', 'asset.restore']);
  });
});

describe('OpenAPI', () => {
  it('describes every library route in /api/openapi.json', async () => {
    const doc = (await (await SELF.fetch(`${ORIGIN}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /api/assets',
        'GET /api/assets/{id}',
        'PATCH /api/assets/{id}',
        'DELETE /api/assets/{id}',
        'POST /api/assets/{id}/restore',
        'POST /api/assets/{id}/purge',
        'PUT /api/assets/{id}/tags',
        'GET /api/trash',
        'GET /api/tags',
        'GET /api/search',
        'POST /api/collections',
        'GET /api/collections',
        'GET /api/collections/{id}',
        'PATCH /api/collections/{id}',
        'DELETE /api/collections/{id}',
        'POST /api/collections/{id}/items',
        'DELETE /api/collections/{id}/items/{assetId}',
        'PUT /api/collections/{id}/items/order',
      ]),
    );
  });
});
