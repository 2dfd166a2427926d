/**
 * CORS for media that embeds anywhere: public media, signed media URLs and
 * share links (answers and their errors) say `Access-Control-Allow-Origin: *`
 * without credentials, and their preflight lets a player send Range and
 * X-Share-Unlock. A Bearer-authorised /m answer and the API keep the origin
 * allowlist with credentials.
 */
import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { signMediaToken } from '../../shared/tokens/index.ts';
import { bearer, createAsset, createUser, keys, party, putVariant, withDb } from './support/fixtures.ts';
import { makeLink } from './support/share-links.ts';

const FOREIGN = 'https://blog.example.org';
const ALLOWED = (env as unknown as { CORS_ORIGINS: string }).CORS_ORIGINS.split(',')[0]!.trim();
let owner: string;
let publicAsset: string;
let privateAsset: string;

beforeAll(async () => {
  await withDb(async (db) => {
    owner = await createUser(db, 'embedder');
    publicAsset = await createAsset(db, owner, { visibility: 'public' });
    privateAsset = await createAsset(db, owner);
  });
  for (const id of [publicAsset, privateAsset]) await putVariant(id, 'w320.webp', 'webp', 'image/webp');
});

const fetchFrom = (origin: string, path: string, headers: Record<string, string> = {}) =>
  SELF.fetch(`http://edge.test${path}`, { headers: { origin, ...headers } });

const embeddable = (res: Response, what: string) => {
  expect(res.headers.get('access-control-allow-origin'), what).toBe('*');
  expect(res.headers.get('access-control-allow-credentials'), what).toBeNull();
  expect(res.headers.get('access-control-expose-headers'), what).toMatch(/Content-Range.*Content-Length|Content-Length.*Content-Range/);
  for (const h of ['Accept-Ranges', 'ETag']) expect(res.headers.get('access-control-expose-headers'), what).toContain(h);
};

describe('answers that embed anywhere', () => {
  it('public media, a signed URL and a share link answer * without credentials, from any origin', async () => {
    const t = await signMediaToken(await keys(), { ...party, assetId: privateAsset, scope: 'w320.webp' });
    const { token } = await makeLink({ resourceId: privateAsset, createdBy: owner });
    for (const path of [`/m/${publicAsset}/w320.webp`, `/m/${privateAsset}/w320.webp?t=${t}`, `/s/${token}/w320.webp`]) {
      for (const origin of [FOREIGN, ALLOWED]) {
        const res = await fetchFrom(origin, path, { range: 'bytes=0-1' });
        expect(res.status, path).toBe(206);
        embeddable(res, `${origin} ${path}`);
        await res.body?.cancel();
      }
    }
  });

  it('their errors too, so a player on another site sees the status (and nothing more)', async () => {
    for (const path of [`/m/${privateAsset}/w320.webp`, `/m/${privateAsset}/w320.webp?t=bad`, '/s/bad/w320.webp']) {
      const res = await fetchFrom(FOREIGN, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      embeddable(res, path);
      await res.body?.cancel();
    }
  });

  it('a preflight from any site may send Range and X-Share-Unlock (GET/HEAD only, no credentials)', async () => {
    const res = await SELF.fetch(`http://edge.test/s/anything/hls/master.m3u8`, {
      method: 'OPTIONS',
      headers: { origin: FOREIGN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'range,x-share-unlock' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const h of ['range', 'x-share-unlock', 'if-none-match', 'if-range']) expect(allowed).toContain(h);
    expect(allowed).not.toContain('authorization');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
  });
});

describe('answers that keep the allowlist', () => {
  it('a Bearer-authorised /m answer is for the SPA origins only, with credentials', async () => {
    const auth = await bearer(owner);
    const ok = await fetchFrom(ALLOWED, `/m/${privateAsset}/w320.webp`, auth);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('vary')).toMatch(/Origin/);
    const foreign = await fetchFrom(FOREIGN, `/m/${privateAsset}/w320.webp`, auth);
    expect(foreign.status).toBe(200);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    await Promise.all([ok.body?.cancel(), foreign.body?.cancel()]);
  });

  it('the SPA origins may preflight Authorization on /m; the API stays allowlisted and allows X-Share-Unlock', async () => {
    const pre = (origin: string, path: string, headers: string) =>
      SELF.fetch(`http://edge.test${path}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': headers },
      });
    const media = await pre(ALLOWED, `/m/${privateAsset}/w320.webp`, 'authorization');
    expect(media.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(media.headers.get('access-control-allow-headers')).toContain('Authorization');
    const api = await pre(ALLOWED, '/api/share/x', 'x-share-unlock');
    expect(api.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(api.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-share-unlock');
    const keyed = await pre(ALLOWED, '/api/assets', 'x-api-key');
    expect(keyed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-api-key');
    expect((await pre(FOREIGN, '/api/assets', 'x-api-key')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await pre(FOREIGN, '/api/share/x', 'x-share-unlock')).headers.get('access-control-allow-origin')).toBeNull();
    const apiGet = await fetchFrom(FOREIGN, '/api/share/x');
    expect(apiGet.headers.get('access-control-allow-origin')).toBeNull();
    await apiGet.body?.cancel();
  });
});
