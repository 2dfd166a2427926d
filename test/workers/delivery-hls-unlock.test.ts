/**
 * A password link played by a player that has no cookie and sends no
 * header (hls.js on another site): the unlock given as `?u=` on the master
 * playlist is carried into every rendition, init segment and media segment
 * the playlists name, and each of those fetches works on its own. Without
 * `u`, or with a `u` that is not this link's, nothing is served and nothing
 * is echoed.
 */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectionItems, collections } from '../../shared/db/schema.ts';
import { createAsset, createUser, putVariant, withDb } from './support/fixtures.ts';
import { makeLink, PASSWORD_HASH, unlockFor } from './support/share-links.ts';

const MASTER = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p.m3u8\n';
const RUNG =
  '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI="360p_init.mp4"\n#EXTINF:6.0,\n360p_00001.ts\n#EXTINF:6.0,\n360p_00002.ts\n#EXT-X-ENDLIST\n';
let owner: string;
let video: string;
let collection: string;

beforeAll(async () => {
  await withDb(async (db) => {
    owner = await createUser(db, 'filmmaker');
    video = await createAsset(db, owner, { filename: 'film.mp4', declaredType: 'video/mp4', detectedType: 'video/mp4' });
    const [col] = await db.insert(collections).values({ ownerId: owner, name: 'Films' }).returning();
    collection = col!.id;
    await db.insert(collectionItems).values({ collectionId: collection, assetId: video, position: 0, addedBy: owner });
  });
  await putVariant(video, 'hls/master.m3u8', MASTER, 'application/vnd.apple.mpegurl');
  await putVariant(video, 'hls/360p.m3u8', RUNG, 'application/vnd.apple.mpegurl');
  await putVariant(video, 'hls/360p_init.mp4', 'init', 'video/mp4');
  for (const n of ['00001', '00002']) await putVariant(video, `hls/360p_${n}.ts`, `segment ${n}`, 'video/mp2t');
});

/** The URIs a playlist names (URI lines and URI="..." attributes). */
const urisOf = (playlist: string) =>
  playlist
    .split('\n')
    .flatMap((line) => (line.startsWith('#') ? [...line.matchAll(/URI="([^"]*)"/g)].map((m) => m[1]!) : line.trim() ? [line.trim()] : []));

/** Resolves a playlist URI as a player does: against the playlist's URL without its query. */
const resolve = (playlistUrl: string, uri: string) => new URL(uri, playlistUrl).toString();

async function follow(masterUrl: string) {
  const fetched: string[] = [];
  const master = await SELF.fetch(masterUrl);
  expect(master.status).toBe(200);
  for (const renditionUri of urisOf(await master.text())) {
    const renditionUrl = resolve(masterUrl, renditionUri);
    const rendition = await SELF.fetch(renditionUrl);
    expect(rendition.status, renditionUrl).toBe(200);
    const text = await rendition.text();
    for (const uri of urisOf(text)) {
      const res = await SELF.fetch(resolve(renditionUrl, uri));
      expect(res.status, uri).toBe(200);
      fetched.push(await res.text());
    }
  }
  return fetched;
}

describe('?u= through the playlists', () => {
  it.each(['asset', 'collection'] as const)(
    '%s link: every rendition and segment carries u and is served without cookies',
    async (type) => {
      const resourceId = type === 'asset' ? video : collection;
      const { id, token } = await makeLink({ resourceType: type, resourceId, createdBy: owner, passwordHash: PASSWORD_HASH });
      const path = type === 'asset' ? `/s/${token}/hls/master.m3u8` : `/s/${token}/${video}/hls/master.m3u8`;
      const u = await unlockFor(id, PASSWORD_HASH);
      const url = `http://edge.test${path}?u=${encodeURIComponent(u)}`;
      const master = await (await SELF.fetch(url)).text();
      expect(urisOf(master)).toEqual([`360p.m3u8?u=${encodeURIComponent(u)}`]);
      expect(await follow(url)).toEqual(['init', 'segment 00001', 'segment 00002']);
    },
  );

  it("without u, with another link's u, or with a stale one: 401, and the bad u is not echoed", async () => {
    const { id, token } = await makeLink({ resourceId: video, createdBy: owner, passwordHash: PASSWORD_HASH });
    const other = await makeLink({ resourceId: video, createdBy: owner, passwordHash: PASSWORD_HASH });
    for (const variant of ['hls/master.m3u8', 'hls/360p.m3u8', 'hls/360p_00001.ts']) {
      expect((await SELF.fetch(`http://edge.test/s/${token}/${variant}`)).status, variant).toBe(401);
    }
    for (const bad of [await unlockFor(other.id, PASSWORD_HASH), await unlockFor(id, `${PASSWORD_HASH}-before-change`), token]) {
      expect((await SELF.fetch(`http://edge.test/s/${token}/hls/master.m3u8?u=${bad}`)).status).toBe(401);
    }
    // Unlocked by the header, a stray u is neither trusted nor carried on.
    const good = await unlockFor(id, PASSWORD_HASH);
    const res = await SELF.fetch(`http://edge.test/s/${token}/hls/master.m3u8?u=garbage`, { headers: { 'x-share-unlock': good } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(MASTER);
  });

  it('a link without a password serves playlists as stored, whatever u says', async () => {
    const { token } = await makeLink({ resourceId: video, createdBy: owner });
    const res = await SELF.fetch(`http://edge.test/s/${token}/hls/360p.m3u8?u=anything`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(RUNG);
  });
});
