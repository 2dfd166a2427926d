/**
 * The relay's caller proof, with the relay's own code (infra/db-relay/relay.mts)
 * and the local stand-in (local/ws-relay.ts): every refusal happens before a
 * single TCP connection to the target is opened, and a valid token carries a
 * real query from the production driver (shared/db/neon.ts) to Debian's
 * PostgreSQL.
 */
import { sql } from 'drizzle-orm';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Relay, type RelayOptions, startRelay } from '../../infra/db-relay/relay.mjs';
import { freePort } from '../../local/ports.ts';
import { startPostgresServer, type PostgresServer } from '../../local/postgres-server.ts';
import { startWsRelay } from '../../local/ws-relay.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { mintRelayToken } from '../../shared/db/relay-token.ts';

const KEY = 'proof-test-key-'.padEnd(43, 'x');
const OTHER_KEY = 'another-key-'.padEnd(43, 'y');
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A TCP target that counts connections: a refused upgrade must leave it at zero. */
async function countingTarget(): Promise<{ port: number; connections: () => number }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(r);
      }),
  );
  return { port: (server.address() as { port: number }).port, connections: () => sockets.length };
}

async function relay(targetPort: number, extra: Partial<RelayOptions> = {}): Promise<{ r: Relay; refusals: string[] }> {
  const refusals: string[] = [];
  const r = await startRelay({
    port: 0,
    host: '127.0.0.1',
    targetHost: '127.0.0.1',
    targetPort,
    targetTls: false,
    maxSessions: 10,
    key: KEY,
    onRefuse: (e) => refusals.push(`${e.status} ${e.reason}`),
    ...extra,
  });
  cleanups.push(() => r.close());
  return { r, refusals };
}

/** Opens a WebSocket; resolves with 'open' or the HTTP status of the refusal. */
async function upgrade(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  const ws = new WebSocket(url, { headers });
  cleanups.push(() => ws.terminate());
  return new Promise((resolve) => {
    ws.once('open', () => resolve('open'));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

describe('relay caller proof (infra/db-relay/relay.mts)', () => {
  it('refuses a missing, forged, foreign-key, expired or far-future token with 401 and never dials', async () => {
    const target = await countingTarget();
    const { r, refusals } = await relay(target.port);
    const base = `ws://127.0.0.1:${r.port}/v1?address=db:5432`;
    const valid = mintRelayToken(KEY);
    const forged = `${valid.slice(0, -4)}${valid.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const cases = {
      missing: base,
      malformed: `${base}&token=hello`,
      bad_signature: `${base}&token=${forged}`,
      foreign_key: `${base}&token=${mintRelayToken(OTHER_KEY)}`,
      expired: `${base}&token=${mintRelayToken(KEY, Date.now() - 5 * 60_000)}`,
      far_future: `${base}&token=${mintRelayToken(KEY, Date.now(), 3600)}`,
    };
    for (const url of Object.values(cases)) expect(await upgrade(url)).toBe(401);
    expect(target.connections()).toBe(0);
    expect(refusals).toEqual([
      '401 missing',
      '401 malformed',
      '401 bad_signature',
      '401 bad_signature',
      '401 expired',
      '401 not_yet_valid',
    ]);
  });

  it('accepts a token once: a replay inside its minute is refused', async () => {
    const target = await countingTarget();
    const { r, refusals } = await relay(target.port);
    const url = `ws://127.0.0.1:${r.port}/v1?token=${mintRelayToken(KEY)}`;
    expect(await upgrade(url)).toBe('open');
    expect(await upgrade(url)).toBe(401);
    expect(refusals).toEqual(['401 replayed']);
    await expect.poll(() => target.connections()).toBe(1);
  });

  it('rate-limits upgrades per source before checking tokens (the ALB-appended address counts)', async () => {
    const target = await countingTarget();
    const { r, refusals } = await relay(target.port, { ratePerSecond: 0.001, rateBurst: 2, trustForwardedFor: true });
    const url = () => `ws://127.0.0.1:${r.port}/v1?token=${mintRelayToken(KEY)}`;
    // A client-supplied first entry does not change the source: the ALB appends the real one last.
    const from = (ip: string) => ({ 'x-forwarded-for': `10.9.9.9, ${ip}` });
    expect(await upgrade(url(), from('198.51.100.7'))).toBe('open');
    expect(await upgrade(`ws://127.0.0.1:${r.port}/v1`, from('198.51.100.7'))).toBe(401);
    expect(await upgrade(url(), from('198.51.100.7'))).toBe(429);
    expect(await upgrade(url(), from('203.0.113.5'))).toBe('open');
    expect(refusals).toEqual(['401 missing', '429 rate']);
    await expect.poll(() => target.connections()).toBe(2);
  });

  it('refuses other paths and sessions beyond the cap without dialing', async () => {
    const target = await countingTarget();
    const { r } = await relay(target.port, { maxSessions: 1 });
    expect(await upgrade(`ws://127.0.0.1:${r.port}/other?token=${mintRelayToken(KEY)}`)).toBe(404);
    expect(await upgrade(`ws://127.0.0.1:${r.port}/v1?token=${mintRelayToken(KEY)}`)).toBe('open');
    await expect.poll(() => target.connections()).toBe(1);
    expect(await upgrade(`ws://127.0.0.1:${r.port}/v1?token=${mintRelayToken(KEY)}`)).toBe(503);
    expect(target.connections()).toBe(1);
  });

  it('reports readiness only while the target answers', async () => {
    const target = await countingTarget();
    const { r } = await relay(target.port);
    expect((await fetch(`http://127.0.0.1:${r.port}/readyz`)).status).toBe(200);
    const dead = await relay(await freePort(), { readyTimeoutMs: 5_000 });
    expect((await fetch(`http://127.0.0.1:${dead.r.port}/readyz`)).status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${dead.r.port}/healthz`)).status).toBe(200);
  });

  it('refuses to start without a key', async () => {
    await expect(
      startRelay({ port: 0, targetHost: '127.0.0.1', targetPort: 1, targetTls: false, maxSessions: 1, key: '' }),
    ).rejects.toThrow(/key/);
  });
});

describe('a real query through the relay with the driver-side token (shared/db/neon.ts)', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgresServer({ port: await freePort() });
  }, 180_000);
  afterAll(async () => {
    await pg?.close();
  });

  it('reaches Debian PostgreSQL with a valid token and fails without one', async () => {
    const { r, refusals } = await relay(pg.port);
    const open = (relayKey?: string) =>
      openNeonDatabase({
        url: pg.url.replace('127.0.0.1', 'db.invalid'),
        wsProxy: `127.0.0.1:${r.port}/v1`,
        secure: false,
        webSocketConstructor: WebSocket,
        max: 1,
        ...(relayKey ? { relayKey } : {}),
      });
    const ok = open(KEY);
    cleanups.push(() => ok.close());
    const res = (await ok.db.execute(sql`select current_user as who, 6 * 7 as answer`)) as unknown as { rows: unknown[] };
    expect(res.rows).toEqual([{ who: 'postgres', answer: 42 }]);
    const refused = open();
    cleanups.push(() => refused.close());
    await expect(refused.db.execute(sql`select 1`)).rejects.toThrow();
    expect(refusals).toContain('401 missing');
  });
});

describe('the local stand-in (local/ws-relay.ts) demands the same proof', () => {
  it('refuses without or with a bad token before dialing, accepts a valid one once', async () => {
    const target = await countingTarget();
    const relayed = await startWsRelay({ port: 0, allow: [`127.0.0.1:${target.port}`], key: KEY });
    cleanups.push(() => relayed.close());
    const base = `ws://${relayed.proxy}?address=127.0.0.1:${target.port}`;
    expect(await upgrade(base)).toBe(401);
    expect(await upgrade(`${base}&token=${mintRelayToken(OTHER_KEY)}`)).toBe(401);
    expect(target.connections()).toBe(0);
    const valid = `${base}&token=${mintRelayToken(KEY)}`;
    expect(await upgrade(valid)).toBe('open');
    expect(await upgrade(valid)).toBe(401);
    await expect.poll(() => target.connections()).toBe(1);
  });
});
