/**
 * Issue #19 option (a), the production shape, every part real: the edge
 * Worker and the API Worker (the same bundle, wrangler.api.toml) each in its
 * own workerd, the edge's `API` service binding reaching the API Worker
 * through a counting HTTP proxy, each Worker with its own counted relay and
 * S3 links (bench/latency/topology.ts `placed`, no delay). What goes through
 * the binding is seen on the wire (the API link's request count, whose
 * Worker opened a database connection) and in `Server-Timing: api;dur=`,
 * which only the API Worker sets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWorld, type World } from '../../bench/latency/fixtures.ts';
import { startTopology, type PlacedApi, type Topology } from '../../bench/latency/topology.ts';
import { signAccessToken } from '../../shared/tokens/index.ts';

let t: Topology;
let api: PlacedApi;
let w: World;

beforeAll(async () => {
  t = await startTopology({ handshakeRtts: 0, placed: true });
  api = t.placed!;
  w = await seedWorld(t, 5);
}, 180_000);

afterAll(async () => {
  await t?.close();
});

/** One request through the edge with its own headers; what it cost on each side. */
async function send(path: string, headers: Record<string, string> = {}, init: RequestInit = {}) {
  t.reset();
  const res = await fetch(`${t.edgeUrl}${path}`, { ...init, headers: { 'cf-connecting-ip': '192.0.2.10', ...headers } });
  const body = new Uint8Array(await res.arrayBuffer());
  return {
    res,
    body,
    text: new TextDecoder().decode(body),
    viaApi: api.apiLink.requests,
    apiAnswered: /\bapi;dur=\d+/.test(res.headers.get('server-timing') ?? ''),
    edge: { websockets: t.dbLink.connections, s3: t.s3Link.requests },
    region: { websockets: api.dbLink.connections, s3: api.s3Link.requests },
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the edge forwards what needs the database to the API Worker', () => {
  it('an API read: one request over the binding, the database reached from the API Worker only', async () => {
    const r = await send(`/api/assets/${w.assetId}`, bearer(w.owner.token));
    expect(r.res.status, r.text).toBe(200);
    expect(JSON.parse(r.text).id).toBe(w.assetId);
    expect(r).toMatchObject({ viaApi: 1, apiAnswered: true, edge: { websockets: 0, s3: 0 }, region: { websockets: 1, s3: 0 } });
  });

  it('/s and a Range request on it pass through the binding unchanged', async () => {
    const full = await send(`/s/${w.shareToken}/w320.webp`);
    expect(full.res.status, full.text).toBe(200);
    expect(full).toMatchObject({ viaApi: 1, apiAnswered: true, edge: { websockets: 0, s3: 0 }, region: { websockets: 1, s3: 1 } });
    const ranged = await send(`/s/${w.shareToken}/w320.webp`, { range: 'bytes=100-1123' });
    expect(ranged.res.status).toBe(206);
    expect(ranged.res.headers.get('content-range')).toBe(`bytes 100-1123/${full.body.byteLength}`);
    expect(ranged.body).toEqual(full.body.slice(100, 1124));
    expect(ranged).toMatchObject({ viaApi: 1, apiAnswered: true, edge: { websockets: 0, s3: 0 } });
  });

  it('anonymous /m: a miss is decided by the API Worker (one request), a public answer is kept by the edge, a hit is the edge alone', async () => {
    const first = await send(`/m/${w.publicId}/w320.webp`);
    expect(first.res.status, first.text).toBe(200);
    // The edge looked in its cache, then asked the API Worker, which read the database and storage in-region.
    expect(first).toMatchObject({ viaApi: 1, apiAnswered: true, edge: { websockets: 0, s3: 0 }, region: { websockets: 1, s3: 1 } });
    let hit = await send(`/m/${w.publicId}/w320.webp`);
    // The cache put runs after the first response (waitUntil): give it a moment.
    for (let i = 0; i < 20 && hit.viaApi > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      hit = await send(`/m/${w.publicId}/w320.webp`);
    }
    expect(hit.res.status).toBe(200);
    expect(hit.body).toEqual(first.body);
    expect(hit.res.headers.get('cache-control')).toBe(first.res.headers.get('cache-control'));
    // The copy does not carry the API Worker's mark: the answer came from here.
    expect(hit).toMatchObject({ viaApi: 0, apiAnswered: false, edge: { websockets: 0, s3: 0 }, region: { websockets: 0, s3: 0 } });
  });

  it('anonymous /m of a private asset: 404 from the API Worker, never kept (every read asks again)', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await send(`/m/${w.privateId}/w320.webp`);
      expect(r.res.status, r.text).toBe(404);
      expect(JSON.parse(r.text).error.code).toBe('not_found');
      expect(r).toMatchObject({ viaApi: 1, apiAnswered: true, edge: { websockets: 0, s3: 0 } });
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('a revalidation of public /m is decided afresh in the region: 304 for the current ETag', async () => {
    const first = await send(`/m/${w.publicId}/w320.webp`);
    const etag = first.res.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await send(`/m/${w.publicId}/w320.webp`, { 'if-none-match': etag! });
    expect(again.res.status).toBe(304);
    expect(again).toMatchObject({ viaApi: 1, apiAnswered: true });
  });

  it('the same auth through the forward: a forged or expired token is 401, one request id in header and body', async () => {
    const [head, payload, sig] = w.owner.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, sub: w.viewer.id })).toString('base64url')}.${sig}`;
    const { token: expired } = await signAccessToken(t.keys, {
      sub: w.owner.id,
      issuer: 'http://bench.test',
      audience: 'media-platform',
      now: new Date(Date.now() - 3600_000),
      ttlSeconds: 60,
    });
    for (const token of [forged, expired]) {
      const r = await send(`/api/assets/${w.assetId}`, { ...bearer(token), 'x-request-id': 'trace-placement-0001' });
      expect(r.res.status, r.text).toBe(401);
      expect(r).toMatchObject({ viaApi: 1, apiAnswered: true, region: { websockets: 0 } });
      expect(r.res.headers.get('x-request-id')).toBe('trace-placement-0001');
      expect(JSON.parse(r.text).error).toMatchObject({ requestId: 'trace-placement-0001' });
      expect(r.text).not.toContain(w.assetId);
    }
    // The signed media path still verifies at the edge, without the API Worker.
    const bad = await send(`/m/${w.assetId}/w320.webp?t=${forged}`);
    expect(bad.res.status).toBe(401);
    expect(bad.viaApi).toBe(0);
  });

  it('the API Worker sees the client address the edge believed, and no other address header', async () => {
    const email = w.owner.email;
    const login = await send(
      '/api/auth/login',
      {
        'content-type': 'application/json',
        'cf-connecting-ip': '203.0.113.7',
        'x-forwarded-for': '198.51.100.9',
        'true-client-ip': '198.51.100.9',
      },
      { method: 'POST', body: JSON.stringify({ email, password: w.owner.password }) },
    );
    expect(login.res.status, login.text).toBe(200);
    expect(login.viaApi).toBe(1);
    const token = JSON.parse(login.text).accessToken as string;
    const sessions = await send('/api/auth/sessions', bearer(token));
    expect(sessions.res.status, sessions.text).toBe(200);
    const mine = (JSON.parse(sessions.text).sessions as { current?: boolean; address: string | null }[]).find((s) => s.current);
    expect(mine?.address).toBe('203.0.113.0/24');
    expect(sessions.text).not.toContain('198.51.100');
  });

  it('CORS runs once, in the edge: a preflight never crosses, an answer carries one Vary: Origin', async () => {
    const pre = await send('/api/me', { origin: 'http://evil.test', 'access-control-request-method': 'GET' }, { method: 'OPTIONS' });
    expect(pre.viaApi).toBe(0);
    const r = await send('/api/me', { ...bearer(w.owner.token), origin: 'http://evil.test' });
    expect(r.res.status).toBe(200);
    expect(r.viaApi).toBe(1);
    expect(r.res.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.res.headers.get('vary')).toBe('Origin');
  });

  it('query text is refused at the edge, before the forward', async () => {
    const r = await send(`/api/search?q=${encodeURIComponent('a\u0000b')}`, bearer(w.owner.token));
    expect(r.res.status).toBe(400);
    expect(r.viaApi).toBe(0);
  });

  // Last: it stops the API Worker's link.
  it('an API Worker that cannot be reached is a JSON 503 with Retry-After, never a raw 500', async () => {
    await api.apiLink.close();
    const r = await send('/api/me', { ...bearer(w.owner.token), 'x-request-id': 'trace-placement-0503' });
    expect(r.res.status, r.text).toBe(503);
    expect(r.res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(r.res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(r.text).error).toEqual({
      code: 'unavailable',
      message: expect.any(String),
      requestId: 'trace-placement-0503',
    });
    // What the edge serves alone still works.
    const media = await send(`/m/${w.publicId}/w320.webp`);
    expect(media.res.status).toBe(200);
  });
});
