/**
 * A WebSocket -> TCP relay in the shape @neondatabase/serverless expects of a
 * `wsProxy` (`/v1?address=host:port`), so the driver the edge uses in
 * production reaches a plain Postgres (PGlite's socket server, Debian's
 * PostgreSQL). Only the targets in `allow` can be reached: an open relay would
 * let any local page connect anywhere. Given a `key`, it demands the same
 * caller proof as the production relay (infra/db-relay/relay.mts) before it
 * opens the TCP connection, so a driver that forgets the token fails here too.
 * Given a `login`, it logs in to Postgres itself for clients naming that
 * role, as the AWS relay does (the Worker then pipelines its start-up).
 */
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { type RelayLogin, relaySession } from '../infra/db-relay/pg-session.mts';
import { NonceCache, RELAY_TOKEN_PARAM, verifyRelayToken } from '../shared/db/relay-token.ts';

export interface WsRelay {
  port: number;
  /** The `wsProxy` value for neonConfig / DATABASE_WS_PROXY. */
  proxy: string;
  close(): Promise<void>;
}

export interface WsRelayOptions {
  port: number;
  allow: string[];
  /** Demand the caller proof (DATABASE_RELAY_KEY). */
  key?: string;
  /** Log in as this role for clients that name it, as the AWS relay does (option (c), issue #19). */
  login?: RelayLogin;
}

export async function startWsRelay(opts: WsRelayOptions): Promise<WsRelay> {
  const allowed = new Set(opts.allow);
  const key = opts.key;
  const nonces = new NonceCache();
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: opts.port,
    path: '/v1',
    ...(key
      ? {
          verifyClient: (info: { req: { url?: string } }, done: (ok: boolean, code?: number, message?: string) => void) => {
            const token = new URL(info.req.url ?? '/', 'http://relay').searchParams.get(RELAY_TOKEN_PARAM);
            const proof = verifyRelayToken(key, token, { nonces });
            if (proof.ok) done(true);
            else done(false, 401, 'Unauthorized');
          },
        }
      : {}),
  });
  const salted = new Map<string, Buffer>();
  wss.on('connection', (ws, req) => {
    const address = new URL(req.url ?? '/', 'http://relay').searchParams.get('address') ?? '';
    const m = /^(.+):(\d+)$/.exec(address);
    if (!m || !allowed.has(address)) {
      ws.close(1008, 'address not allowed');
      return;
    }
    const host = m[1] === 'localhost' ? '127.0.0.1' : m[1]!;
    const dial = async () => {
      const tcp = net.connect({ host, port: Number(m[2]) });
      await once(tcp, 'connect');
      tcp.setNoDelay(true);
      return tcp;
    };
    // The same session code as the AWS relay (infra/db-relay/pg-session.mts).
    // A real Postgres closes the connection after Terminate; PGlite's wire
    // server does not, and workerd does not finish the WebSocket close
    // handshake until its isolate ends, so the relay ends it on Terminate.
    relaySession(createWebSocketStream(ws), dial, {
      ...(opts.login ? { login: opts.login } : {}),
      salted,
      tap: terminateWatcher(),
    }).catch(() => ws.terminate());
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    port,
    proxy: `127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/**
 * Follows the frontend side of the Postgres wire protocol just enough to see
 * a Terminate message ('X', length 4): the untyped startup packets (SSLRequest,
 * StartupMessage) come first, then typed messages.
 */
export function terminateWatcher(): (chunk: Buffer) => boolean {
  let started = false;
  let buffered: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    let seen = false;
    for (;;) {
      if (!started) {
        if (buffered.length < 8) break;
        const len = buffered.readInt32BE(0);
        if (buffered.length < len) break;
        const code = buffered.readInt32BE(4);
        buffered = buffered.subarray(len);
        // SSLRequest / GSSENCRequest are followed by the real StartupMessage.
        if (code !== 80877103 && code !== 80877104) started = true;
        continue;
      }
      if (buffered.length < 5) break;
      const len = buffered.readInt32BE(1);
      if (buffered.length < 1 + len) break;
      if (buffered[0] === 0x58 && len === 4) seen = true;
      buffered = buffered.subarray(1 + len);
    }
    return seen;
  };
}
