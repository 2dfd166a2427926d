/**
 * WebSocket -> Postgres relay for @neondatabase/serverless.
 *
 * The driver opens `wss://<relay>/v1?address=host:port` and sends the raw
 * Postgres protocol as binary frames. This relay ignores `address` and always
 * dials the one configured target (the RDS Proxy), so it cannot be used to
 * reach anything else. The driver disables Postgres-level TLS (the WebSocket
 * is already TLS up to the load balancer); because RDS Proxy requires TLS, the
 * relay negotiates it itself (SSLRequest, then TLS with certificate and host
 * name verification) and pipes the client's bytes inside that session.
 *
 * Runs under Node >= 22.18 with type stripping (`node relay.mts`).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect as tcpConnect, type Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { rootCertificates, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { pathToFileURL } from 'node:url';
import { createWebSocketStream, type WebSocket, WebSocketServer } from 'ws';

export interface RelayOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Host name of the Postgres endpoint (the RDS Proxy). */
  readonly targetHost: string;
  readonly targetPort: number;
  /** Negotiate TLS with the target (required for RDS Proxy with requireTLS). */
  readonly targetTls: boolean;
  /** Extra CA certificates (PEM) to trust for the target; the system store is always used. */
  readonly targetCa?: string;
  /** Concurrent sessions before new ones are refused. */
  readonly maxSessions: number;
  readonly host?: string;
}

export interface Relay {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** Postgres SSLRequest: length 8, code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/** Opens a connection to the target, upgraded to verified TLS when asked. */
export async function dialTarget(opts: RelayOptions): Promise<Socket | TLSSocket> {
  const socket = tcpConnect({ host: opts.targetHost, port: opts.targetPort });
  await once(socket, 'connect');
  socket.setNoDelay(true);
  if (!opts.targetTls) return socket;
  socket.write(SSL_REQUEST);
  const [reply] = (await once(socket, 'data')) as [Buffer];
  socket.pause();
  if (reply.length !== 1 || reply[0] !== 0x53 /* 'S' */) {
    socket.destroy();
    throw new Error('target refused TLS');
  }
  const secure = tlsConnect({
    socket,
    servername: opts.targetHost,
    ...(opts.targetCa ? { ca: [opts.targetCa, ...rootCertificates] } : {}),
  });
  await once(secure, 'secureConnect');
  return secure;
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  let sessions = 0;
  const server = createServer((req, res) => {
    // The load balancer's health check: the process is up and accepting connections.
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });

  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1' || sessions >= opts.maxSessions) {
      socket.end('HTTP/1.1 ' + (path !== '/v1' ? '404 Not Found' : '503 Service Unavailable') + '\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => void session(ws));
  });

  async function session(ws: WebSocket): Promise<void> {
    sessions++;
    const client = createWebSocketStream(ws);
    client.on('error', () => undefined);
    try {
      const target = await dialTarget(opts);
      const done = () => {
        client.destroy();
        target.destroy();
      };
      pipeline(client, target, done);
      pipeline(target, client, done);
      await once(target, 'close');
    } catch {
      ws.close(1011, 'upstream unavailable');
    } finally {
      sessions--;
    }
  }

  server.listen(opts.port, opts.host ?? '0.0.0.0');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    server,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`missing environment variable ${name}`);
  return v;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const relay = await startRelay({
    port: Number(process.env.PORT ?? 8080),
    targetHost: required('TARGET_HOST'),
    targetPort: Number(process.env.TARGET_PORT ?? 5432),
    targetTls: process.env.TARGET_TLS !== 'false',
    maxSessions: Number(process.env.MAX_SESSIONS ?? 200),
  });
  console.log(JSON.stringify({ msg: 'relay listening', port: relay.port, target: process.env.TARGET_HOST }));
  process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
}
