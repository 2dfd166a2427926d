/**
 * `GET /api/assets/:id/status` and `GET /status?key=`: the state of an upload
 * and its processing, for whoever may view the asset (404 for anyone else),
 * with the failure reason, the derivatives, and the upload itself for the owner.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assets, derivatives, grants } from '../../shared/db/schema.ts';
import { createAsset, createUser, withDb } from './support/fixtures.ts';
import { abortUpload, api, json, MiB, startMultipart } from './support/uploads.ts';

let owner: string;
let viewer: string;
let stranger: string;

beforeAll(async () => {
  [owner, viewer, stranger] = (await withDb((db) =>
    Promise.all(['st-owner', 'st-viewer', 'st-stranger'].map((n) => createUser(db, n))),
  )) as [string, string, string];
});

const status = (id: string, userId?: string) => api(`/api/assets/${id}/status`, userId);
const byKey = (key: string, userId?: string) => api(`/status?key=${encodeURIComponent(key)}`, userId);

describe('upload status', () => {
  it('a new PUT upload is pending, with its upload shown to the owner, by id and by key', async () => {
    const start = await json<{ assetId: string; expiresAt: string }>(
      await api('/api/uploads', owner, { json: { filename: 'a.png', size: 10, contentType: 'image/png' } }),
      201,
    );
    const body = await json(await status(start.assetId, owner), 200);
    expect(body).toEqual({
      assetId: start.assetId,
      status: 'pending',
      upload: { method: 'PUT', status: 'active', expiresAt: start.expiresAt },
    });
    expect(await json(await byKey(`${start.assetId}/original`, owner), 200)).toEqual(body);
  });

  it('a multipart upload shows its part size; once the object arrived a PUT upload reads completed', async () => {
    const up = await startMultipart(owner, 20 * MiB);
    const body = await json<{ upload: Record<string, unknown> }>(await status(up.assetId, owner), 200);
    expect(body.upload).toMatchObject({ method: 'multipart', status: 'active', partSize: 8 * MiB, expiresAt: up.expiresAt });
    await abortUpload(owner, up);
    const aborted = await json(await status(up.assetId, owner), 200);
    expect(aborted).toMatchObject({ status: 'failed', reason: 'upload aborted', upload: { status: 'aborted' } });

    const start = await json<{ assetId: string }>(
      await api('/api/uploads', owner, { json: { filename: 'b.png', size: 10, contentType: 'image/png' } }),
      201,
    );
    await withDb((db) => db.update(assets).set({ status: 'processing' }).where(eq(assets.id, start.assetId)));
    expect(await json(await status(start.assetId, owner), 200)).toMatchObject({
      status: 'processing',
      upload: { method: 'PUT', status: 'completed' },
    });
  });

  it('a ready asset lists its derivatives (HLS as its master playlist only), each with its media URL', async () => {
    const id = await withDb(async (db) => {
      const a = await createAsset(db, owner, { status: 'ready' });
      const d = (kind: string, contentType: string, extra = {}) => ({
        assetId: a,
        kind,
        key: `${a}/${kind}`,
        contentType,
        status: 'ready' as const,
        ...extra,
      });
      await db
        .insert(derivatives)
        .values([
          d('w320.webp', 'image/webp', { width: 320, height: 240, size: 5000 }),
          d('hls/master.m3u8', 'application/vnd.apple.mpegurl'),
          d('hls/720p/index.m3u8', 'application/vnd.apple.mpegurl'),
          d('hls/720p/seg_001.ts', 'video/mp2t'),
        ]);
      return a;
    });
    const body = await json<{ status: string; derivatives: { variant: string; url: string }[]; reason?: string }>(
      await status(id, owner),
      200,
    );
    expect(body.status).toBe('ready');
    expect(body.reason).toBeUndefined();
    expect(body.derivatives).toEqual([
      {
        variant: 'hls/master.m3u8',
        contentType: 'application/vnd.apple.mpegurl',
        width: null,
        height: null,
        size: null,
        status: 'ready',
        url: `/m/${id}/hls/master.m3u8`,
      },
      { variant: 'w320.webp', contentType: 'image/webp', width: 320, height: 240, size: 5000, status: 'ready', url: `/m/${id}/w320.webp` },
    ]);
  });

  it('a failed or blocked asset says why', async () => {
    const [failed, blocked] = await withDb((db) =>
      Promise.all([
        createAsset(db, owner, { status: 'failed', statusReason: 'checksum_mismatch: object SHA-256 differs' }),
        createAsset(db, owner, { status: 'blocked', statusReason: 'malware found: Eicar' }),
      ]),
    );
    expect(await json(await status(failed, owner), 200)).toEqual({
      assetId: failed,
      status: 'failed',
      reason: 'checksum_mismatch: object SHA-256 differs',
    });
    expect(await json(await status(blocked, owner), 200)).toMatchObject({ status: 'blocked', reason: 'malware found: Eicar' });
  });
});

describe('who may ask', () => {
  let privateAsset: string;
  let publicAsset: string;
  let trashed: string;
  beforeAll(async () => {
    [privateAsset, publicAsset, trashed] = await withDb(async (db) => {
      const ids = await Promise.all([
        createAsset(db, owner, { status: 'processing' }),
        createAsset(db, owner, { status: 'ready', visibility: 'public' }),
        createAsset(db, owner, { status: 'ready', deletedAt: new Date() }),
      ]);
      await db.insert(grants).values(
        [ids[0]!, ids[2]!].map((resourceId) => ({
          resourceType: 'asset' as const,
          resourceId,
          principalType: 'user' as const,
          principalId: viewer,
          permission: 'view' as const,
          grantedBy: owner,
        })),
      );
      return ids as [string, string, string];
    });
  });

  it('a viewer with a grant sees the status but not the upload', async () => {
    const body = await json(await status(privateAsset, viewer), 200);
    expect(body).toEqual({ assetId: privateAsset, status: 'processing' });
  });

  it('anyone sees a public asset, without a token', async () => {
    expect(await json(await status(publicAsset), 200)).toEqual({ assetId: publicAsset, status: 'ready' });
    expect(await json(await byKey(`${publicAsset}/original`), 200)).toEqual({ assetId: publicAsset, status: 'ready' });
  });

  it('a stranger, an anonymous caller, or a grantee of a trashed asset gets 404, as for a missing asset', async () => {
    for (const res of [
      await status(privateAsset, stranger),
      await status(privateAsset),
      await byKey(`${privateAsset}/original`, stranger),
      await status(trashed, viewer),
      await status(crypto.randomUUID(), owner),
      await status('not-an-id', owner),
      await byKey('nothing', owner),
      await byKey(`${publicAsset}/w320.webp`, owner),
      await byKey(`../${publicAsset}/original`, owner),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await status(trashed, owner)).status).toBe(200);
  });

  it('/status without a key is 400, and a bad token is 401', async () => {
    expect((await api('/status', owner)).status).toBe(400);
    expect((await api(`/api/assets/${publicAsset}/status`, undefined, { headers: { authorization: 'Bearer x' } })).status).toBe(401);
  });
});
