/**
 * Who gets media at /m, in the order the edge decides: public, signed media
 * URL token, signed-in user through the access policy. Plus the response
 * headers that keep stored bytes from running as a page, HLS playlists that a
 * player can follow and a storage outage. CORS: delivery-cors.test.ts.
 */
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../edge/app.ts';
import { collectionItems, collections, grants, groupMembers, groups, orgMembers, orgs } from '../../shared/db/schema.ts';
import { signMediaToken, signShareToken } from '../../shared/tokens/index.ts';
import { bearer, createAsset, createUser, keys, party, putVariant, uid, withDb } from './support/fixtures.ts';

const base = 'http://edge.test';
let owner: string;
let stranger: string;
let viewer: string; // a direct view grant
let groupie: string; // a download grant through a group
let orgMember: string; // a view grant through an org, on a collection holding the asset
let expiredGrantee: string;
let privateAsset: string;
let publicAsset: string;
let deletedAsset: string;

beforeAll(async () => {
  await withDb(async (db) => {
    [owner, stranger, viewer, groupie, orgMember, expiredGrantee] = (await Promise.all(
      ['owner', 'stranger', 'viewer', 'groupie', 'orgmember', 'expired'].map((n) => createUser(db, n)),
    )) as [string, string, string, string, string, string];
    privateAsset = await createAsset(db, owner, { filename: 'secret plans.png', detectedType: 'image/png' });
    publicAsset = await createAsset(db, owner, { visibility: 'public', visibilitySetBy: owner });
    deletedAsset = await createAsset(db, owner, { deletedAt: new Date() });
    const [org] = await db
      .insert(orgs)
      .values({ name: 'Org', slug: `org-${uid()}` })
      .returning();
    const [group] = await db.insert(groups).values({ orgId: org!.id, name: 'editors' }).returning();
    await db.insert(orgMembers).values({ orgId: org!.id, userId: orgMember });
    await db.insert(groupMembers).values({ groupId: group!.id, userId: groupie });
    const [col] = await db.insert(collections).values({ ownerId: owner, name: 'Album' }).returning();
    await db.insert(collectionItems).values({ collectionId: col!.id, assetId: privateAsset, position: 0, addedBy: owner });
    const g = (principalType: 'user' | 'group' | 'org', principalId: string, permission: 'view' | 'download', extra = {}) => ({
      resourceType: 'asset' as const,
      resourceId: privateAsset,
      principalType,
      principalId,
      permission,
      grantedBy: owner,
      ...extra,
    });
    await db
      .insert(grants)
      .values([
        g('user', viewer, 'view'),
        g('group', group!.id, 'download'),
        { ...g('org', org!.id, 'view'), resourceType: 'collection' as const, resourceId: col!.id },
        g('user', expiredGrantee, 'download', { expiresAt: new Date(Date.now() - 1000) }),
        { ...g('user', viewer, 'view'), resourceId: deletedAsset },
      ]);
  });
  for (const id of [privateAsset, publicAsset, deletedAsset]) {
    await putVariant(id, 'w320.webp', `webp of ${id}`, 'image/webp');
    await putVariant(id, 'original', `original of ${id}`, 'image/png');
  }
});

const fetchAs = async (path: string, userId?: string, init: RequestInit = {}) =>
  SELF.fetch(`${base}${path}`, {
    ...init,
    headers: { ...(userId ? await bearer(userId) : {}), ...(init.headers as Record<string, string>) },
  });

const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('authorisation at /m', () => {
  it('serves a public derivative to anyone, cacheable for minutes (delivery-cache.test.ts)', async () => {
    const res = await fetchAs(`/m/${publicAsset}/w320.webp`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`webp of ${publicAsset}`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300, s-maxage=60, must-revalidate');
  });

  it('does not let anyone download the original of a public asset', async () => {
    const res = await fetchAs(`/m/${publicAsset}/original`);
    expect(res.status).toBe(403);
    expect(await code(res)).toBe('forbidden');
  });

  it('answers 404 (not 401/403) for a private asset to anonymous callers and strangers', async () => {
    for (const who of [undefined, stranger, expiredGrantee]) {
      const res = await fetchAs(`/m/${privateAsset}/w320.webp`, who);
      expect(res.status, String(who)).toBe(404);
      expect(await code(res)).toBe('not_found');
    }
  });

  it('serves the owner everything, privately', async () => {
    const res = await fetchAs(`/m/${privateAsset}/original`, owner);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`original of ${privateAsset}`);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('vary')).toMatch(/Authorization/);
    expect(res.headers.get('content-disposition')).toBeNull();
  });

  it('lets a view grant see derivatives but not download the original', async () => {
    expect((await fetchAs(`/m/${privateAsset}/w320.webp`, viewer)).status).toBe(200);
    expect((await fetchAs(`/m/${privateAsset}/original`, viewer)).status).toBe(403);
    expect((await fetchAs(`/m/${privateAsset}/w320.webp?download=1`, viewer)).status).toBe(403);
  });

  it('honours grants through a group (download) and through an org on a collection (view)', async () => {
    expect((await fetchAs(`/m/${privateAsset}/original`, groupie)).status).toBe(200);
    expect((await fetchAs(`/m/${privateAsset}/w320.webp`, orgMember)).status).toBe(200);
    expect((await fetchAs(`/m/${privateAsset}/original`, orgMember)).status).toBe(403);
  });

  it('hides a soft-deleted asset from grantees but not from its owner (trash)', async () => {
    expect((await fetchAs(`/m/${deletedAsset}/w320.webp`, viewer)).status).toBe(404);
    expect((await fetchAs(`/m/${deletedAsset}/w320.webp`, owner)).status).toBe(200);
  });

  it('refuses a bad Bearer token with 401 rather than serving as anonymous', async () => {
    const res = await SELF.fetch(`${base}/m/${publicAsset}/w320.webp`, { headers: { authorization: 'Bearer not.a.token' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answers 404 for a malformed asset id, a hostile variant, or a missing object', async () => {
    for (const path of [
      `/m/not-a-uuid/w320.webp`,
      `/m/${privateAsset}/..%2Foriginal`,
      `/m/${privateAsset}/W320.WEBP`,
      `/m/${privateAsset}/w1024.webp`,
    ]) {
      const res = await fetchAs(path, owner);
      expect(res.status, path).toBe(404);
      expect(await code(res)).toBe('not_found');
    }
  });
});

describe('signed media URL tokens', () => {
  const tokenFor = async (
    assetId: string,
    opts: { scope?: string; permission?: 'view' | 'download'; ttlSeconds?: number; now?: Date } = {},
  ) => signMediaToken(await keys(), { ...party, assetId, ...opts });

  it('serve a private asset with no Authorization header, cached no longer than the token lives', async () => {
    const res = await fetchAs(`/m/${privateAsset}/w320.webp?t=${await tokenFor(privateAsset, { ttlSeconds: 120 })}`);
    expect(res.status).toBe(200);
    const maxAge = Number(/private, max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(120);
  });

  it('are refused for another asset, outside their scope, or below the permission needed (403)', async () => {
    const cases = [
      `/m/${publicAsset}/w320.webp?t=${await tokenFor(privateAsset)}`,
      `/m/${privateAsset}/w320.webp?t=${await tokenFor(privateAsset, { scope: 'hls/' })}`,
      `/m/${privateAsset}/original?t=${await tokenFor(privateAsset)}`,
    ];
    for (const path of cases) expect((await fetchAs(path)).status, path).toBe(403);
    expect((await fetchAs(`/m/${privateAsset}/original?t=${await tokenFor(privateAsset, { permission: 'download' })}`)).status).toBe(200);
  });

  it('are refused when expired, tampered, or of another kind (401, generic body)', async () => {
    const expired = await tokenFor(privateAsset, { now: new Date(Date.now() - 3_600_000), ttlSeconds: 60 });
    const good = await tokenFor(privateAsset);
    const tampered = `${good.slice(0, -4)}${good.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const share = await signShareToken(await keys(), {
      ...party,
      linkId: uid(),
      resource: { type: 'asset', id: privateAsset },
      permission: 'view',
      expiresAt: new Date(Date.now() + 60_000),
    });
    for (const t of [expired, tampered, share, 'x', '']) {
      const res = await fetchAs(`/m/${privateAsset}/w320.webp?t=${encodeURIComponent(t)}`);
      expect(res.status, t).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unauthorized');
      expect(body.error.message).not.toMatch(/expired|signature|typ|kid/i);
    }
  });
});

describe('what the browser is told', () => {
  it.each([
    ['text/html', 'index.html'],
    ['image/svg+xml', 'logo.svg'],
    ['application/xml', 'feed.xml'],
    ['application/x-msdownload', 'setup.exe'],
    ['application/pdf', 'doc.pdf'],
    ['nonsense', 'unknown.bin'],
  ])('serves %s as an attachment in a sandbox', async (type, filename) => {
    // Declared and detected alike: even an honest upload of these types never renders as a page.
    const id = await withDb((db) => createAsset(db, owner, { filename, visibility: 'public', declaredType: type, detectedType: type }));
    await putVariant(id, 'original', '<script>alert(1)</script>', type);
    const res = await fetchAs(`/m/${id}/original`, owner);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
    expect(res.headers.get('content-disposition')).toContain(encodeURIComponent(filename));
    expect(res.headers.get('content-security-policy')).toMatch(/sandbox/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves passive media inline, and as an attachment when ?download=1', async () => {
    const inline = await fetchAs(`/m/${privateAsset}/w320.webp`, owner);
    expect(inline.headers.get('content-type')).toBe('image/webp');
    expect(inline.headers.get('content-disposition')).toBeNull();
    const dl = await fetchAs(`/m/${privateAsset}/original?download=1`, owner);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="secret plans.png"; filename*=UTF-8''secret%20plans.png`);
  });
});

describe('HLS playlists', () => {
  let video: string;
  const master = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p.m3u8\n';
  const rung = '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:6.0,\n360p_00001.ts\n#EXT-X-ENDLIST\n';
  beforeAll(async () => {
    video = await withDb((db) => createAsset(db, owner, { filename: 'clip.mp4', declaredType: 'video/mp4' }));
    await putVariant(video, 'hls/master.m3u8', master, 'application/vnd.apple.mpegurl');
    await putVariant(video, 'hls/360p.m3u8', rung, 'application/vnd.apple.mpegurl');
    await putVariant(video, 'hls/360p_00001.ts', 'segment-bytes', 'video/mp2t');
  });

  it('carries an hls/-scoped token into every URI, and the player can follow them', async () => {
    const t = await signMediaToken(await keys(), { ...party, assetId: video, scope: 'hls/' });
    const res = await fetchAs(`/m/${video}/hls/master.m3u8?t=${t}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`360p.m3u8?t=${t}`);
    expect(res.headers.get('content-length')).toBe(String(new TextEncoder().encode(text).byteLength));
    const rungRes = await fetchAs(`/m/${video}/hls/360p.m3u8?t=${t}`);
    const rungText = await rungRes.text();
    expect(rungText).toContain(`URI="init.mp4?t=${t}"`);
    const segUri = rungText.split('\n').find((l) => l.startsWith('360p_00001.ts'))!;
    const seg = await fetchAs(`/m/${video}/hls/${segUri}`);
    expect(seg.status).toBe(200);
    expect(await seg.text()).toBe('segment-bytes');
  });

  it('mints an hls/ token for a signed-in viewer, which opens segments and nothing else', async () => {
    const res = await fetchAs(`/m/${video}/hls/360p.m3u8`, owner);
    const text = await res.text();
    const t = decodeURIComponent(/360p_00001\.ts\?t=([^\s]+)/.exec(text)![1]!);
    expect((await fetchAs(`/m/${video}/hls/360p_00001.ts?t=${t}`)).status).toBe(200);
    expect((await fetchAs(`/m/${video}/original?t=${t}`)).status).toBe(403);
  });
});

describe('storage down', () => {
  it('answers 503 with Retry-After and no detail', async () => {
    const t = await signMediaToken(await keys(), { ...party, assetId: privateAsset });
    // Both ways to the bytes down: CloudFront (its stand-in) and S3, its fallback.
    const down = { ...env, S3_ENDPOINT: 'http://127.0.0.1:9', CDN_DOMAIN: 'http://127.0.0.1:9' };
    // A variant no earlier test read: w320.webp may be in this location's Workers cache, which needs no storage.
    const res = await createApp().request(`/m/${privateAsset}/w2048.webp?t=${t}`, {}, down);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe('unavailable');
    expect(text).not.toMatch(/127\.0\.0\.1|stack|TypeError/);
  });
});
