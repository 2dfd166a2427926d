/**
 * The variants audio and animated images add (`waveform.png`, an audio-only
 * `preview.mp4` typed audio/mp4, `preview.webp`) go through the same gate and
 * token scopes as every derivative: inline passive media for those who may
 * view, nothing for anyone else; a ready asset without its preview carries
 * the reason in GET /api/assets/:id; a list thumbnail falls back to the
 * waveform.
 */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { derivatives, grants, shareLinks } from '../../shared/db/schema.ts';
import { signMediaToken } from '../../shared/tokens/index.ts';
import { bearer, createAsset, createUser, keys, party, putVariant, withDb } from './support/fixtures.ts';
import { makeLink } from './support/share-links.ts';

const FILES = [
  { kind: 'waveform.png', contentType: 'image/png', body: 'png bytes', width: 1024, height: 160 },
  { kind: 'preview.mp4', contentType: 'audio/mp4', body: 'aac in mp4', width: 0, height: 0 },
  { kind: 'preview.webp', contentType: 'image/webp', body: 'animated webp', width: 480, height: 270 },
];
const REASON = 'no_preview: image/bmp has no decoder here; the original is stored as it is';

let owner: string;
let viewer: string;
let stranger: string;
let song: string;
let bitmap: string;

beforeAll(async () => {
  [owner, viewer, stranger] = await withDb((db) =>
    Promise.all([createUser(db, 'owner'), createUser(db, 'viewer'), createUser(db, 'stranger')]),
  );
  await withDb(async (db) => {
    song = await createAsset(db, owner, { filename: 'song.flac', declaredType: 'audio/flac', detectedType: 'audio/flac' });
    bitmap = await createAsset(db, owner, {
      filename: 'paint.bmp',
      declaredType: 'image/bmp',
      detectedType: 'image/bmp',
      statusReason: REASON,
    });
    await db.insert(derivatives).values(
      FILES.map((f) => ({
        assetId: song,
        kind: f.kind,
        key: `${song}/${f.kind}`,
        contentType: f.contentType,
        width: f.width,
        height: f.height,
        size: f.body.length,
        status: 'ready' as const,
      })),
    );
    await db.insert(grants).values({
      resourceType: 'asset',
      resourceId: song,
      principalType: 'user',
      principalId: viewer,
      permission: 'view',
      grantedBy: owner,
    });
  });
  for (const f of FILES) await putVariant(song, f.kind, f.body, f.contentType);
});

const get = (path: string, headers: Record<string, string> = {}) => SELF.fetch(`http://edge.test${path}`, { headers });

describe('new media variants', () => {
  it('the owner and a viewer get each inline with its stored type', async () => {
    for (const who of [owner, viewer]) {
      for (const f of FILES) {
        const res = await get(`/m/${song}/${f.kind}`, await bearer(who));
        expect(res.status, f.kind).toBe(200);
        expect(res.headers.get('content-type'), f.kind).toBe(f.contentType);
        expect(res.headers.get('content-disposition'), f.kind).toBeNull();
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(await res.text()).toBe(f.body);
      }
    }
  });

  it('a stranger and an anonymous caller get 404, not the file', async () => {
    for (const f of FILES) {
      expect((await get(`/m/${song}/${f.kind}`, await bearer(stranger))).status).toBe(404);
      expect((await get(`/m/${song}/${f.kind}`)).status).toBe(404);
    }
  });

  it('a token scoped to the waveform does not open the audio preview or the original', async () => {
    const t = await signMediaToken(await keys(), { ...party, assetId: song, scope: 'waveform.png', permission: 'view' });
    expect((await get(`/m/${song}/waveform.png?t=${t}`)).status).toBe(200);
    expect((await get(`/m/${song}/preview.mp4?t=${t}`)).status).toBeGreaterThanOrEqual(400);
    expect((await get(`/m/${song}/original?t=${t}`)).status).toBeGreaterThanOrEqual(400);
  });

  it('a view link plays the preview but cannot download the original; a revoked link gets nothing', async () => {
    const { id, token } = await makeLink({ resourceId: song, createdBy: owner, permission: 'view' });
    const play = await get(`/s/${token}/preview.mp4`);
    expect(play.status).toBe(200);
    expect(play.headers.get('content-type')).toBe('audio/mp4');
    await play.body?.cancel();
    const orig = await get(`/s/${token}/original`);
    expect(orig.status).toBe(403);
    await orig.body?.cancel();
    await withDb((db) => db.update(shareLinks).set({ revokedAt: new Date() }).where(eq(shareLinks.id, id)));
    const gone = await get(`/s/${token}/waveform.png`);
    expect(gone.status).toBeGreaterThanOrEqual(400);
    expect(gone.headers.get('content-type')).toMatch(/^application\/json/);
    await gone.body?.cancel();
  });

  it('GET /api/assets/:id lists them with signed URLs, and a ready asset without a preview says why', async () => {
    const res = await get(`/api/assets/${song}`, await bearer(viewer));
    expect(res.status).toBe(200);
    const a = (await res.json()) as {
      statusReason: string | null;
      derivatives: { kind: string; contentType: string }[];
      media: { variant: string; url: string }[];
    };
    expect(a.statusReason).toBeNull();
    expect(a.derivatives.map((d) => [d.kind, d.contentType]).sort()).toEqual(FILES.map((f) => [f.kind, f.contentType]).sort());
    expect(a.media.map((m) => m.variant).sort()).toEqual(FILES.map((f) => f.kind).sort()); // view only: no original
    const bmp = (await (await get(`/api/assets/${bitmap}`, await bearer(owner))).json()) as { status: string; statusReason: string };
    expect(bmp).toMatchObject({ status: 'ready', statusReason: REASON });
  });

  it('the library list uses the waveform as the thumbnail of an audio file', async () => {
    const res = await get('/api/assets?limit=50', await bearer(owner));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { id: string; thumbnail: { variant: string } | null }[] };
    expect(body.items.find((i) => i.id === song)?.thumbnail?.variant).toBe('waveform.png');
  });
});
