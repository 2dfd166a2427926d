/**
 * The storyboard track (`storyboard.vtt`) names its sprite by a relative
 * URL. Whoever may read the track gets a sprite URL that works for them —
 * a media token scoped to the sprite alone and living no longer than theirs,
 * or the share link's `u=` — and the URL resolves as a player resolves it
 * (against the track URL without its query). Nobody gets more: the sprite
 * token opens no other variant, and a refused caller is not served at all.
 */
import { SELF } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assets, derivatives } from '../../shared/db/schema.ts';
import { signMediaToken, verifyMediaToken } from '../../shared/tokens/index.ts';
import { bearer, createAsset, createUser, keys, party, putVariant, withDb } from './support/fixtures.ts';
import { makeLink, PASSWORD_HASH, unlockFor } from './support/share-links.ts';

const VTT =
  'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nstoryboard.jpg#xywh=0,0,160,90\n\n00:00:02.000 --> 00:00:03.500\nstoryboard.jpg#xywh=160,0,160,90\n';
let owner: string;
let stranger: string;
let video: string;
let publicVideo: string;

const spriteUrls = (vtt: string) => [...vtt.matchAll(/^(storyboard\.jpg\S*)$/gm)].map((m) => m[1]!);
const tokenOf = (uri: string) => new URL(uri, 'http://edge.test/').searchParams.get('t');

beforeAll(async () => {
  await withDb(async (db) => {
    owner = await createUser(db, 'storyteller');
    stranger = await createUser(db, 'stranger');
    video = await createAsset(db, owner, { filename: 'film.mp4', declaredType: 'video/mp4', detectedType: 'video/mp4' });
    publicVideo = await createAsset(db, owner, { filename: 'open.mp4', declaredType: 'video/mp4', visibility: 'public' });
  });
  for (const id of [video, publicVideo]) {
    await putVariant(id, 'storyboard.vtt', VTT, 'text/vtt');
    await putVariant(id, 'storyboard.jpg', 'sprite bytes', 'image/jpeg');
    await putVariant(id, 'poster.jpg', 'poster bytes', 'image/jpeg');
  }
});

describe('storyboard.vtt with a media token', () => {
  it('gives each cue a sprite URL carrying a token for the sprite alone, expiring no later than the caller’s', async () => {
    const t = await signMediaToken(await keys(), { ...party, assetId: video, scope: 'storyboard.vtt', ttlSeconds: 300 });
    const trackUrl = `http://edge.test/m/${video}/storyboard.vtt?t=${t}`;
    const res = await SELF.fetch(trackUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/vtt/);
    expect(res.headers.get('cache-control')).toMatch(/^private/);
    const body = await res.text();
    const uris = spriteUrls(body);
    expect(uris).toHaveLength(2);
    expect(uris[0]).toMatch(/^storyboard\.jpg\?t=[^#]+#xywh=0,0,160,90$/);
    const spriteToken = tokenOf(uris[0]!)!;
    const claims = await verifyMediaToken(await keys(), spriteToken, { ...party, assetId: video, variant: 'storyboard.jpg' });
    expect(claims.scope).toBe('storyboard.jpg');
    expect(claims.permission).toBe('view');
    expect(claims.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 300_000);

    // As a player resolves it: against the track URL without its query.
    const sprite = await SELF.fetch(new URL(uris[0]!, trackUrl));
    expect(sprite.status).toBe(200);
    expect(await sprite.text()).toBe('sprite bytes');
    // The sprite token opens nothing else: not the track, not the poster, not the original.
    for (const v of ['poster.jpg', 'storyboard.vtt', 'original']) {
      expect((await SELF.fetch(`http://edge.test/m/${video}/${v}?t=${spriteToken}`)).status, v).toBe(403);
    }
  });

  it('a token for another variant, or a tampered one, gets no track and no sprite token', async () => {
    const poster = await signMediaToken(await keys(), { ...party, assetId: video, scope: 'poster.jpg' });
    const refused = await SELF.fetch(`http://edge.test/m/${video}/storyboard.vtt?t=${poster}`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toMatch(/storyboard\.jpg/);
    const t = await signMediaToken(await keys(), { ...party, assetId: video, scope: 'storyboard.vtt' });
    const tampered = `${t.slice(0, -4)}AAAA`;
    expect((await SELF.fetch(`http://edge.test/m/${video}/storyboard.vtt?t=${tampered}`)).status).toBe(401);
  });
});

describe('storyboard.vtt with a Bearer header or publicly', () => {
  it('the owner gets sprite URLs with a sprite token; a stranger gets 404', async () => {
    const res = await SELF.fetch(`http://edge.test/m/${video}/storyboard.vtt`, { headers: await bearer(owner) });
    expect(res.status).toBe(200);
    const uri = spriteUrls(await res.text())[0]!;
    const claims = await verifyMediaToken(await keys(), tokenOf(uri)!, { ...party, assetId: video, variant: 'storyboard.jpg' });
    expect(claims.scope).toBe('storyboard.jpg');
    expect((await SELF.fetch(`http://edge.test/m/${video}/storyboard.vtt`, { headers: await bearer(stranger) })).status).toBe(404);
  });

  it('a public asset’s track is served as stored: the sprite is public already', async () => {
    const res = await SELF.fetch(`http://edge.test/m/${publicVideo}/storyboard.vtt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(VTT);
  });
});

describe('storyboard.vtt through a password share link', () => {
  it('carries u= into every sprite URL, which then serves; without u nothing is served', async () => {
    const { id, token } = await makeLink({ resourceId: video, createdBy: owner, passwordHash: PASSWORD_HASH });
    const u = await unlockFor(id, PASSWORD_HASH);
    const trackUrl = `http://edge.test/s/${token}/storyboard.vtt?u=${encodeURIComponent(u)}`;
    const res = await SELF.fetch(trackUrl);
    expect(res.status).toBe(200);
    const uris = spriteUrls(await res.text());
    expect(uris.every((x) => x.startsWith(`storyboard.jpg?u=${encodeURIComponent(u)}#xywh=`))).toBe(true);
    const sprite = await SELF.fetch(new URL(uris[0]!, trackUrl));
    expect(sprite.status).toBe(200);
    expect((await SELF.fetch(`http://edge.test/s/${token}/storyboard.vtt`)).status).toBe(401);
  });
});

describe('GET /api/assets/:id says whether a video plays yet', () => {
  it('playable while processing once progressive.mp4 is ready; not before', async () => {
    const id = await withDb(async (db) => {
      const a = await createAsset(db, owner, { filename: 'new.mov', declaredType: 'video/quicktime', status: 'processing' });
      return a;
    });
    const get = async () =>
      (await SELF.fetch(`http://edge.test/api/assets/${id}`, { headers: await bearer(owner) })).json<Record<string, unknown>>();
    expect(await get()).toMatchObject({ status: 'processing', playable: false });
    await withDb((db) =>
      db
        .insert(derivatives)
        .values({ assetId: id, kind: 'progressive.mp4', key: `${id}/progressive.mp4`, contentType: 'video/mp4', status: 'ready' }),
    );
    const body = await get();
    expect(body).toMatchObject({ status: 'processing', playable: true });
    expect((body.media as { variant: string }[]).map((m) => m.variant)).toContain('progressive.mp4');
    // A blocked asset plays nothing, whatever is stored.
    await withDb((db) =>
      db
        .update(assets)
        .set({ status: 'blocked' })
        .where(and(eq(assets.id, id))),
    );
    expect(await get()).toMatchObject({ playable: false, media: [] });
  });
});
