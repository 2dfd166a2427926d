/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests: records every request
 * (headers and the raw body) and answers with what the test sets.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** TCP connections accepted (a TLS hello to this plain HTTP server counts, though it is no request). */
  connections: number;
  /** What the next requests get (default 204). */
  answer: (res: ServerResponse) => void;
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const r: Partial<Receiver> = { received, answer: (res) => res.writeHead(204).end() };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      r.answer!(res);
    });
  });
  let connections = 0;
  const conns = () => connections;
  server.on('connection', () => void connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  Object.defineProperty(r, 'connections', { get: conns });
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    async waitFor(n: number, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > until) throw new Error(`only ${received.length} of ${n} webhook requests arrived`);
        await new Promise((res) => setTimeout(res, 50));
      }
      return received.slice(0, n);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as Receiver;
}
