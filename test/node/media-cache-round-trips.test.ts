/**
 * Issue #19's goal for media, on the round-trip harness (bench/latency/topology.ts,
 * used read-only: the deployed bundle in workerd, Debian PostgreSQL with SCRAM
 * behind the relay, counting proxies on the relay and S3 links): public media
 * costs 0 crossings on a Workers cache hit, a signed URL 0 on a hit, and what
 * must not be kept (a share link) keeps its crossings on every read.
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

async function countsOf(path: string, opts: { token?: string } = {}) {
  t.reset();
  const { res, body } = await call(t.edgeUrl, 'GET', path, opts);
  for (let i = 0; i < 100 && t.pg.terminates < t.dbLink.connections; i++) await new Promise((r) => setTimeout(r, 20));
  return {
    status: res.status,
    body: new TextDecoder().decode(body),
    websockets: t.dbLink.connections,
    queries: t.pg.simpleQueries + t.pg.syncs,
    s3: t.s3Link.requests,
  };
}

/** Reads until a read costs nothing (the copy is stored in the background after the first answer). */
async function untilHit(path: string) {
  let c = await countsOf(path);
  for (let i = 0; i < 20 && (c.websockets > 0 || c.s3 > 0); i++) {
    await new Promise((r) => setTimeout(r, 100));
    c = await countsOf(path);
  }
  return c;
}

describe('media crossings with the Workers cache', () => {
  it('public media: 1 statement + 1 S3 read when cold, 0 crossings on a hit', async () => {
    const path = `/m/${w.publicId}/w320.webp`;
    const cold = await countsOf(path);
    expect(cold.status, cold.body).toBe(200);
    expect(cold).toMatchObject({ websockets: 1, queries: 1, s3: 1 });
    const hot = await untilHit(path);
    expect(hot.status, hot.body).toBe(200);
    expect(hot).toMatchObject({ websockets: 0, queries: 0, s3: 0 });
  });

  it('a signed URL: 1 S3 read when cold, 0 on a hit', async () => {
    const detail = JSON.parse((await countsOf(`/api/assets/${w.assetId}`, { token: w.owner.token })).body);
    const signed = (detail.media as { variant: string; url: string }[]).find((m) => m.variant === 'w320.webp')!;
    const url = new URL(signed.url, t.edgeUrl);
    const cold = await countsOf(url.pathname + url.search);
    expect(cold.status, cold.body).toBe(200);
    expect(cold).toMatchObject({ websockets: 0, queries: 0, s3: 1 });
    const hot = await untilHit(url.pathname + url.search);
    expect(hot).toMatchObject({ status: 200, websockets: 0, queries: 0, s3: 0 });
  });

  it('a share link is never served from the cache: the link check and the bytes on every read', async () => {
    for (let i = 0; i < 2; i++) {
      const c = await countsOf(`/s/${w.shareToken}/w320.webp`);
      expect(c.status, c.body).toBe(200);
      expect(c).toMatchObject({ websockets: 1, queries: 1, s3: 1 });
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
