/**
 * An HTTP proxy in front of the S3 server that stands for distance and
 * counts: each request reaches the server `delayMs` after it arrived and its
 * response starts `delayMs` after the server answered (one round trip per
 * request); the first request on a new connection also pays `handshakeRtts`
 * round trips (TCP + TLS 1.3 = 2). Headers pass unchanged — Host included,
 * so SigV4 signatures made for the proxy's address still verify.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface HttpDelayProxy {
  endpoint: string;
  /** Requests and new connections since the last `reset`. */
  requests: number;
  connections: number;
  setDelay(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startHttpDelayProxy(opts: { target: string; delayMs?: number; handshakeRtts?: number }): Promise<HttpDelayProxy> {
  const target = new URL(opts.target);
  const agent = new http.Agent({ keepAlive: true });
  let delay = opts.delayMs ?? 0;
  const fresh = new WeakSet<Socket>();
  const server = http.createServer(async (req, res) => {
    proxy.requests++;
    const handshake = fresh.has(req.socket) ? (opts.handshakeRtts ?? 0) * 2 * delay : 0;
    fresh.delete(req.socket);
    // The request body (a PUT) is buffered in the socket meanwhile; the delay is the request's flight.
    await sleep(handshake + delay);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      async (answer) => {
        await sleep(delay);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    proxy.connections++;
    fresh.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: HttpDelayProxy = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: 0,
    connections: 0,
    setDelay: (ms) => {
      delay = ms;
    },
    reset: () => {
      proxy.requests = 0;
      proxy.connections = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
