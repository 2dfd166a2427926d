/**
 * WebSocket -> Postgres relay for @neondatabase/serverless.
 *
 * The driver opens `wss://<relay>/v1?address=host:port&token=...` and sends
 * the raw Postgres protocol as binary frames. Before anything reaches Postgres
 * the relay checks, in this order: the path, a per-source rate limit, the
 * caller proof (a single-use HMAC token that only holders of the relay key can
 * mint, shared/db/relay-token.ts), and the session cap; a refusal is a plain
 * HTTP answer (404/429/401/503) and no connection to the target is opened.
 *
 * With LOGIN_USER set (its password from Secrets Manager), a client naming
 * that role is logged in by the relay itself, so the Worker sends no
 * password and pipelines its start-up (./pg-session.mts); other roles (the
 * pipeline Lambdas) authenticate themselves through the pipe.
 *
 * It ignores `address` and always dials the one configured target (the RDS
 * Proxy), so it cannot be used to reach anything else. The driver disables
 * Postgres-level TLS (the WebSocket is already TLS up to the load balancer);
 * because RDS Proxy requires TLS, the relay negotiates it itself (SSLRequest,
 * then TLS with certificate and host name verification) and pipes the
 * client's bytes inside that session.
 *
 * Bundled with esbuild into one file for the container (infra/constructs/db-relay-image.ts).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect as tcpConnect, type Socket } from 'node:net';
import { rootCertificates, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { pathToFileURL } from 'node:url';
import { createWebSocketStream, type WebSocket, WebSocketServer } from 'ws';
import { NonceCache, RELAY_TOKEN_PARAM, verifyRelayToken } from '../../shared/db/relay-token.ts';
import { relaySession, type RelayLogin } from './pg-session.mts';
import { SourceRateLimiter } from './rate-limit.mts';

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
  /** HMAC key of the caller proof (RELAY_KEY); every upgrade without a valid token gets 401. */
  readonly key: string;
  /** Upgrades per second per source, and the burst allowed above it. */
  readonly ratePerSecond?: number;
  readonly rateBurst?: number;
  /**
   * Behind a load balancer the TCP peer is the balancer: take the source from
   * the last X-Forwarded-For entry (the one the ALB appended). Never trust the
   * header when clients connect directly.
   */
  readonly trustForwardedFor?: boolean;
  /** Deadline of the readiness probe's dial to the target. @default 2000 */
  readonly readyTimeoutMs?: number;
  /**
   * The relay's own login (its role's credential from Secrets Manager): a
   * client naming this user gets a session the relay logged in, without
   * sending a password (./pg-session.mts). Others authenticate themselves.
   */
  readonly login?: RelayLogin;
  /** Told why a session ended before it was piped (login refused, target unreachable). */
  readonly onSessionError?: (reason: string) => void;
  /** Receives one line per refusal (reason, source), for the logs and the metric filter. */
  readonly onRefuse?: (event: { status: number; reason: string; source: string }) => void;
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
  if (!opts.key) throw new Error('relay: a key is required (RELAY_KEY)');
  let sessions = 0;
  const nonces = new NonceCache();
  const limiter = new SourceRateLimiter(opts.ratePerSecond ?? 20, opts.rateBurst ?? 200);
  const pruner = setInterval(() => {
    nonces.prune(Math.floor(Date.now() / 1000));
    limiter.prune();
  }, 30_000);
  pruner.unref();

  const server = createServer((req, res) => {
    // Liveness (the container's own HEALTHCHECK): the process is up.
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    // Readiness (the load balancer's health check): the target answers a TLS
    // negotiation. No credentials are sent, so this proves the network path
    // and the proxy, not a login.
    if (req.url === '/readyz') {
      void probeTarget(opts).then(
        () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ready'),
        () => res.writeHead(503, { 'content-type': 'text/plain' }).end('target unreachable'),
      );
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });

  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const source = sourceOf(req, opts.trustForwardedFor ?? false);
    const refuse = (status: number, text: string, reason: string) => {
      opts.onRefuse?.({ status, reason, source });
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/v1') return refuse(404, 'Not Found', 'path');
    if (!limiter.take(source)) return refuse(429, 'Too Many Requests', 'rate');
    const proof = verifyRelayToken(opts.key, url.searchParams.get(RELAY_TOKEN_PARAM), { nonces });
    if (!proof.ok) return refuse(401, 'Unauthorized', proof.reason);
    if (sessions >= opts.maxSessions) return refuse(503, 'Service Unavailable', 'sessions');
    wss.handleUpgrade(req, socket, head, (ws) => void session(ws));
  });

  const salted = new Map<string, Buffer>();
  async function session(ws: WebSocket): Promise<void> {
    sessions++;
    try {
      await relaySession(createWebSocketStream(ws), () => dialTarget(opts), {
        ...(opts.login ? { login: opts.login } : {}),
        salted,
        onUnreachable: () => ws.close(1011, 'upstream unavailable'),
        onError: (reason) => opts.onSessionError?.(reason),
      });
    } catch {
      ws.terminate(); // never an unhandled rejection: one bad session must not end the relay
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
      clearInterval(pruner);
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The caller's address: the socket peer, or the ALB-appended X-Forwarded-For entry. */
function sourceOf(req: IncomingMessage, trustForwardedFor: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustForwardedFor && typeof forwarded === 'string') {
    const last = forwarded.split(',').pop()?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** Dials the target (TLS negotiated when configured) and hangs up. */
async function probeTarget(opts: RelayOptions): Promise<void> {
  const timeout = AbortSignal.timeout(opts.readyTimeoutMs ?? 2000);
  const dial = dialTarget(opts);
  const socket = await Promise.race([
    dial,
    once(timeout, 'abort').then(() => {
      void dial.then(
        (s) => s.destroy(),
        () => undefined,
      );
      throw new Error('target probe timed out');
    }),
  ]);
  socket.destroy();
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
    key: required('RELAY_KEY'),
    ratePerSecond: Number(process.env.RATE_PER_SECOND ?? 20),
    rateBurst: Number(process.env.RATE_BURST ?? 200),
    trustForwardedFor: process.env.TRUST_FORWARDED_FOR === 'true',
    ...(process.env.LOGIN_USER
      ? { login: { user: process.env.LOGIN_USER, password: required('LOGIN_PASSWORD'), database: required('LOGIN_DATABASE') } }
      : {}),
    onSessionError: (reason) => console.log(JSON.stringify({ msg: 'relay session failed', reason })),
    onRefuse: (e) => console.log(JSON.stringify({ msg: 'relay refused', ...e })),
  });
  console.log(JSON.stringify({ msg: 'relay listening', port: relay.port, target: process.env.TARGET_HOST }));
  process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
}
