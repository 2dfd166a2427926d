/**
 * How many times a request crosses to the region (issue #19), counted on
 * the wire and held here so a change cannot quietly add a crossing: the
 * deployed bundle in workerd, Debian PostgreSQL with SCRAM behind the relay,
 * and counting proxies on the edge's relay and S3 links
 * (bench/latency/topology.ts; no delay, no timing). A WebSocket open is a
 * connection (six round trips before its first query in production); a
 * query cycle is a Query or Sync message, one round trip each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, seedWorld, type World } from '../../bench/latency/fixtures.ts';
import { startTopology, type Topology } from '../../bench/latency/topology.ts';

let t: Topology;
let w: World;

beforeAll(async () => {
  t = await startTopology({ handshakeRtts: 0 });
  w = await seedWorld(t, 5);
}, 180_000);

afterAll(async () => {
  await t?.close();
});

/** Runs one request and returns what it cost on the wire, once its connection has closed. */
async function countsOf(method: string, path: string, opts: { token?: string; json?: unknown } = {}) {
  t.reset();
  const { res, body } = await call(t.edgeUrl, method, path, opts);
  // The pool closes in waitUntil, after the response: wait for its Terminate.
  for (let i = 0; i < 100 && t.pg.terminates < t.dbLink.connections; i++) await new Promise((r) => setTimeout(r, 20));
  return {
    status: res.status,
    body: new TextDecoder().decode(body),
    websockets: t.dbLink.connections,
    queries: t.pg.simpleQueries + t.pg.syncs,
    s3: t.s3Link.requests,
  };
}

describe('crossings to the region per request', () => {
  it('the asset detail: one connection, one statement — for its owner and for a viewer holding a grant', async () => {
    for (const token of [w.owner.token, w.viewer.token]) {
      const c = await countsOf('GET', `/api/assets/${w.assetId}`, { token });
      expect(c.status, c.body).toBe(200);
      expect(c).toMatchObject({ websockets: 1, queries: 1, s3: 0 });
    }
  });

  it('a caller without access costs the same one statement and learns nothing (404)', async () => {
    const c = await countsOf('GET', `/api/assets/${w.privateId}`, { token: w.viewer.token });
    expect(c.status).toBe(404);
    expect(c).toMatchObject({ websockets: 1, queries: 1, s3: 0 });
  });

  it('/s with a share link: the link and the asset in one statement, then the bytes', async () => {
    const c = await countsOf('GET', `/s/${w.shareToken}/w320.webp`);
    expect(c.status, c.body).toBe(200);
    expect(c).toMatchObject({ websockets: 1, queries: 1, s3: 1 });
  });

  it('public media: one statement, then the bytes; a signed URL: no database at all', async () => {
    const pub = await countsOf('GET', `/m/${w.publicId}/w320.webp`);
    expect(pub.status, pub.body).toBe(200);
    expect(pub).toMatchObject({ websockets: 1, queries: 1, s3: 1 });
    const detail = JSON.parse((await countsOf('GET', `/api/assets/${w.assetId}`, { token: w.owner.token })).body);
    const signed = (detail.media as { variant: string; url: string }[]).find((m) => m.variant === 'w320.webp')!;
    const url = new URL(signed.url, t.edgeUrl);
    const c = await countsOf('GET', url.pathname + url.search);
    expect(c.status, c.body).toBe(200);
    expect(c).toMatchObject({ websockets: 0, queries: 0, s3: 1 });
  });

  it('an upload start: the live-session check and one statement for the asset and upload rows', async () => {
    const c = await countsOf('POST', '/api/uploads', {
      token: w.owner.token,
      json: { filename: 'a.jpg', size: 10, contentType: 'image/jpeg' },
    });
    expect(c.status, c.body).toBe(201);
    expect(c).toMatchObject({ websockets: 1, queries: 2, s3: 0 });
  });

  it('login: the attempt gate (both counters in one statement), the user, its second factor, then one transaction', async () => {
    const c = await countsOf('POST', '/api/auth/login', { json: { email: w.owner.email, password: w.owner.password } });
    expect(c.status, c.body).toBe(200);
    // gate 1 + user 1 + second factor 1 + BEGIN, counters, refresh token, audit, COMMIT 5
    expect(c).toMatchObject({ websockets: 1, queries: 8, s3: 0 });
  });
});
