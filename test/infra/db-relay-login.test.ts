/**
 * Option (c) of issue #19: the relay logs in to Postgres itself for its one
 * role (infra/db-relay/pg-session.mts), the edge's driver pipelines its
 * start-up and sends no password of its own. Against Debian PostgreSQL with
 * SCRAM (as RDS Proxy demands), with the relay's code (relay.mts) and the
 * local stand-in (local/ws-relay.ts), through a TCP tap that counts the
 * relay's connections to Postgres and records what it sends.
 */
import { sql } from 'drizzle-orm';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RelayOptions, startRelay } from '../../infra/db-relay/relay.mjs';
import { freePort } from '../../local/ports.ts';
import { startPostgresServer, type PostgresServer } from '../../local/postgres-server.ts';
import { startWsRelay } from '../../local/ws-relay.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { mintRelayToken } from '../../shared/db/relay-token.ts';

const KEY = 'login-test-key-'.padEnd(43, 'x');
const ADMIN_PASSWORD = 'admin-Secret-1';
const EDGE_PASSWORD = 'edge-Secret-2';
const PIPELINE_PASSWORD = 'pipeline-Secret-3';
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgresServer({ port: await freePort(), password: ADMIN_PASSWORD });
  // Two roles, as in AWS: the edge's (the relay logs in as it) and the pipeline's (logs in itself).
  const { r } = await relay({});
  const admin = open(r.port, { user: 'postgres', password: ADMIN_PASSWORD, relayLogin: false });
  await admin.db.execute(sql.raw(`create role media_edge login password '${EDGE_PASSWORD}'`));
  await admin.db.execute(sql.raw(`create role media_pipeline login password '${PIPELINE_PASSWORD}'`));
  for (const c of cleanups.splice(0).reverse()) await c();
}, 180_000);
afterAll(async () => {
  await pg?.close();
});

/** A TCP pass-through to Postgres that counts connections and keeps every byte the relay sent. */
async function tap(): Promise<{ port: number; connections: () => number; sent: () => Buffer }> {
  const sockets: Socket[] = [];
  const sent: Buffer[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    const up = connect({ host: '127.0.0.1', port: pg.port });
    sockets.push(up);
    s.on('data', (d: Buffer) => sent.push(d));
    s.pipe(up).pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
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
  return {
    port: (server.address() as { port: number }).port,
    connections: () => sockets.length / 2,
    sent: () => Buffer.concat(sent),
  };
}

async function relay(extra: Partial<RelayOptions>, targetPort = pg.port) {
  const errors: string[] = [];
  const r = await startRelay({
    port: 0,
    host: '127.0.0.1',
    targetHost: '127.0.0.1',
    targetPort,
    targetTls: false,
    maxSessions: 10,
    key: KEY,
    onSessionError: (reason) => errors.push(reason),
    ...extra,
  });
  cleanups.push(() => r.close());
  return { r, errors };
}

const EDGE_LOGIN = { user: 'media_edge', password: EDGE_PASSWORD, database: 'postgres' };

function open(port: number, o: { user: string; password?: string; database?: string; relayLogin: boolean; relayKey?: string | null }) {
  const auth = o.password === undefined ? o.user : `${o.user}:${encodeURIComponent(o.password)}`;
  const handle = openNeonDatabase({
    url: `postgres://${auth}@db.invalid:5432/${o.database ?? 'postgres'}`,
    wsProxy: `127.0.0.1:${port}/v1`,
    secure: false,
    webSocketConstructor: WebSocket,
    max: 1,
    relayLogin: o.relayLogin,
    ...(o.relayKey === null ? {} : { relayKey: o.relayKey ?? KEY }),
  });
  cleanups.push(() => handle.close());
  return handle;
}

/** drizzle wraps the driver's error: the server's (or relay's) message is its cause. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: Error) => `${e.message} / ${(e.cause as Error | undefined)?.message ?? ''}`,
  );

const rowsOf = (r: unknown) => (r as { rows: Record<string, unknown>[] }).rows;

describe('the relay logs in for its role (infra/db-relay/relay.mts)', () => {
  it("gives the edge's driver a session as media_edge without the driver's password ever reaching Postgres", async () => {
    const t = await tap();
    const { r } = await relay({ login: EDGE_LOGIN }, t.port);
    // The URL's password is wrong on purpose: the relay logs in with its own credential.
    const edge = open(r.port, { user: 'media_edge', password: 'not-the-password', relayLogin: true });
    const who = rowsOf(await edge.db.execute(sql`select current_user as who, current_database() as db`));
    expect(who).toEqual([{ who: 'media_edge', db: 'postgres' }]);
    // A transaction and a second statement on the same session: the pipe carries on after the login.
    const n = await edge.db.transaction(async (tx) => {
      await tx.execute(sql`create temp table t (n int)`);
      await tx.execute(sql`insert into t values (1), (2)`);
      return rowsOf(await tx.execute(sql`select sum(n)::int as n from t`));
    });
    expect(n).toEqual([{ n: 3 }]);
    const wire = t.sent().toString('latin1');
    expect(wire).not.toContain('not-the-password');
    expect(wire).not.toContain('relay-login'); // the driver's placeholder is dropped too
    expect(wire).not.toContain(EDGE_PASSWORD); // SCRAM: the relay's own password never crosses either
    expect(t.connections()).toBe(1);
  });

  it('a driver that does not pipeline gets the same session (AuthenticationOk without a password request)', async () => {
    const { r } = await relay({ login: EDGE_LOGIN });
    const edge = open(r.port, { user: 'media_edge', relayLogin: false, password: 'whatever' });
    expect(rowsOf(await edge.db.execute(sql`select current_user as who`))).toEqual([{ who: 'media_edge' }]);
  });

  it('any other role authenticates itself through the pipe: right password in, wrong password out', async () => {
    const { r } = await relay({ login: EDGE_LOGIN });
    const ok = open(r.port, { user: 'media_pipeline', password: PIPELINE_PASSWORD, relayLogin: false });
    expect(rowsOf(await ok.db.execute(sql`select current_user as who`))).toEqual([{ who: 'media_pipeline' }]);
    const wrong = open(r.port, { user: 'media_pipeline', password: 'guess', relayLogin: false });
    await expect(wrong.db.execute(sql`select 1`)).rejects.toThrow();
    // Pipelining a password for another role does not make the relay log in for it.
    const sneaky = open(r.port, { user: 'postgres', password: 'guess', relayLogin: true });
    await expect(sneaky.db.execute(sql`select 1`)).rejects.toThrow();
  });

  it('without a valid token nothing reaches Postgres: 401 at the upgrade, zero connections', async () => {
    const t = await tap();
    const { r } = await relay({ login: EDGE_LOGIN }, t.port);
    const noToken = open(r.port, { user: 'media_edge', relayLogin: true, relayKey: null, password: 'x' });
    await expect(noToken.db.execute(sql`select 1`)).rejects.toThrow();
    const foreign = open(r.port, { user: 'media_edge', relayLogin: true, relayKey: 'another-key-'.padEnd(43, 'y'), password: 'x' });
    await expect(foreign.db.execute(sql`select 1`)).rejects.toThrow();
    expect(t.connections()).toBe(0);
  });

  it('refuses another database, replication, and SSL or cancel requests before dialing', async () => {
    const t = await tap();
    const { r, errors } = await relay({ login: EDGE_LOGIN }, t.port);
    const other = open(r.port, { user: 'media_edge', relayLogin: true, database: 'template1', password: 'x' });
    expect(await failure(other.db.execute(sql`select 1`))).toMatch(/database not served/);
    for (const code of [80877103, 80877102]) {
      const ws = new WebSocket(`ws://127.0.0.1:${r.port}/v1?token=${mintRelayToken(KEY)}`);
      cleanups.push(() => ws.terminate());
      await once(ws, 'open');
      const packet = Buffer.alloc(16);
      packet.writeInt32BE(code === 80877103 ? 8 : 16, 0);
      packet.writeInt32BE(code, 4);
      ws.send(code === 80877103 ? packet.subarray(0, 8) : packet);
      await once(ws, 'close');
    }
    expect(t.connections()).toBe(0);
    expect(errors).toContain('database not served by this relay');
  });

  it('with a wrong credential of its own the relay answers an error, never a session', async () => {
    const { r, errors } = await relay({ login: { ...EDGE_LOGIN, password: 'stale' } });
    const edge = open(r.port, { user: 'media_edge', relayLogin: true, password: 'x' });
    expect(await failure(edge.db.execute(sql`select 1`))).toMatch(/could not log in/);
    expect(errors.join()).toMatch(/28P01/); // invalid_password, logged by the relay, not told to the client
  });
});

describe('the local stand-in (local/ws-relay.ts) logs in the same way', () => {
  it('serves media_edge without its password and leaves other roles to authenticate', async () => {
    const relayed = await startWsRelay({ port: 0, allow: [`127.0.0.1:${pg.port}`], key: KEY, login: EDGE_LOGIN });
    cleanups.push(() => relayed.close());
    const url = (user: string, password: string) => `postgres://${user}:${password}@127.0.0.1:${pg.port}/postgres`;
    const via = (u: string, relayLogin: boolean) => {
      const h = openNeonDatabase({
        url: u,
        wsProxy: relayed.proxy,
        secure: false,
        webSocketConstructor: WebSocket,
        max: 1,
        relayKey: KEY,
        relayLogin,
      });
      cleanups.push(() => h.close());
      return h;
    };
    expect(rowsOf(await via(url('media_edge', 'x'), true).db.execute(sql`select current_user as who`))).toEqual([{ who: 'media_edge' }]);
    await expect(via(url('media_pipeline', 'guess'), false).db.execute(sql`select 1`)).rejects.toThrow();
  });
});
