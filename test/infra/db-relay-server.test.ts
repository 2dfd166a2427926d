/**
 * The relay program itself (infra/db-relay/relay.mts), run in-process against
 * real local targets: a TCP echo, a TLS-upgrading fake Postgres, and PGlite
 * over its socket server driven by @neondatabase/serverless, the edge's driver.
 * The caller-proof refusals are in db-relay-proof.test.ts.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { neonConfig, Pool } from '@neondatabase/serverless';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Relay, type RelayOptions, startRelay } from '../../infra/db-relay/relay.mjs';
import { mintRelayToken } from '../../shared/db/relay-token.ts';

const RELAY_KEY = `${'k'.repeat(22)}relay-test-key-0123456789`;
const token = () => `token=${mintRelayToken(RELAY_KEY)}`;

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    onSocket(s);
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
  return { server, port: (server.address() as { port: number }).port, sockets };
}

async function relay(opts: Partial<RelayOptions> & { targetPort: number }): Promise<Relay> {
  const r = await startRelay({
    port: 0,
    host: '127.0.0.1',
    targetHost: '127.0.0.1',
    targetTls: false,
    maxSessions: 10,
    key: RELAY_KEY,
    ...opts,
  });
  cleanups.push(() => r.close());
  return r;
}

async function roundTrip(url: string, payload: Buffer): Promise<Buffer> {
  const ws = new WebSocket(url);
  cleanups.push(() => ws.terminate());
  await once(ws, 'open');
  ws.send(payload);
  const [data] = (await once(ws, 'message')) as [Buffer];
  return data;
}

describe('db relay', () => {
  it('answers the health check and refuses other upgrade paths', async () => {
    const target = await listen(() => undefined);
    const r = await relay({ targetPort: target.port });
    const res = await fetch(`http://127.0.0.1:${r.port}/healthz`);
    expect(res.status).toBe(200);
    const ws = new WebSocket(`ws://127.0.0.1:${r.port}/other`);
    const [err] = (await once(ws, 'error')) as [Error];
    expect(err.message).toMatch(/404/);
  });

  it('pipes bytes to the configured target and ignores the requested address', async () => {
    const target = await listen((s) => s.pipe(s));
    const r = await relay({ targetPort: target.port });
    const echoed = await roundTrip(`ws://127.0.0.1:${r.port}/v1?address=169.254.169.254:80&${token()}`, Buffer.from('hello'));
    expect(echoed.toString()).toBe('hello');
    expect(target.sockets).toHaveLength(1);
  });

  it('negotiates verified TLS with the target the way RDS Proxy expects', async () => {
    const target = await listen((s) => {
      s.once('data', (req) => {
        expect([...req]).toEqual([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
        s.write('S');
        const secure = new TLSSocket(s, { isServer: true, key: fixture('relay-target.key'), cert: fixture('relay-target.crt') });
        secure.on('data', (d) => secure.write(Buffer.concat([Buffer.from('tls:'), d])));
        secure.on('error', () => undefined);
      });
    });
    const r = await relay({ targetPort: target.port, targetHost: 'localhost', targetTls: true, targetCa: fixture('relay-target.crt') });
    const echoed = await roundTrip(`ws://127.0.0.1:${r.port}/v1?${token()}`, Buffer.from('startup'));
    expect(echoed.toString()).toBe('tls:startup');
  });

  it('closes the client when the target refuses TLS', async () => {
    const target = await listen((s) => s.once('data', () => s.write('N')));
    const r = await relay({ targetPort: target.port, targetTls: true });
    const ws = new WebSocket(`ws://127.0.0.1:${r.port}/v1?${token()}`);
    cleanups.push(() => ws.terminate());
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1011);
  });

  it('carries a real Postgres session from @neondatabase/serverless', async () => {
    const db = await PGlite.create();
    const pg = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 4 });
    await pg.start();
    cleanups.push(async () => {
      await pg.stop();
      await db.close();
    });
    const pgPort = Number(pg.getServerConn().split(':').pop());
    const r = await relay({ targetPort: pgPort });

    neonConfig.webSocketConstructor = WebSocket;
    neonConfig.wsProxy = (host, port) => `127.0.0.1:${r.port}/v1?address=${host}:${port}&${token()}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
    const pool = new Pool({ connectionString: 'postgres://postgres:postgres@db.invalid:5432/postgres' });
    cleanups.push(() => pool.end());
    const { rows } = await pool.query('select 1 + 1 as two');
    expect(rows).toEqual([{ two: 2 }]);
  });
});
