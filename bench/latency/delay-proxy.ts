/**
 * A TCP proxy that stands for distance: every chunk, in each direction, is
 * delivered `delayMs` after it arrived (order kept), so one request/response
 * exchange costs 2 x delayMs, as over a link of that round-trip time. A new
 * connection also pays `handshakeRtts` round trips before its first byte
 * reaches the target (TCP's SYN/SYN-ACK, TLS 1.3's one round trip: 2 for a
 * wss:// or https:// connection), which loopback has not. `inspect` sees the
 * bytes the client sends (the Postgres counter of ./pg-counter.ts).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface DelayProxyOptions {
  target: { host: string; port: number };
  /** One-way delay, read for each chunk (change it between runs with `setDelay`). */
  delayMs?: number;
  /** Round trips a new connection pays before its first byte arrives. */
  handshakeRtts?: number;
  /** A fresh watcher per connection, fed each chunk the client sends. */
  inspect?: () => (chunk: Buffer) => void;
}

export interface DelayProxy {
  port: number;
  /** Connections accepted since the last `reset`. */
  connections: number;
  setDelay(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

/** Delivers chunks in order, each no earlier than its due time. */
function delayedPipe(to: net.Socket): (chunk: Buffer | null, due: number) => void {
  const queue: { chunk: Buffer | null; due: number }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0]!.due <= now + 0.5) {
      const { chunk } = queue.shift()!;
      if (chunk === null) to.end();
      else if (!to.destroyed) to.write(chunk);
    }
    if (queue.length) timer = setTimeout(pump, queue[0]!.due - now);
  };
  return (chunk, due) => {
    queue.push({ chunk, due });
    if (!timer) timer = setTimeout(pump, Math.max(0, due - performance.now()));
  };
}

export async function startDelayProxy(opts: DelayProxyOptions): Promise<DelayProxy> {
  let delay = opts.delayMs ?? 0;
  const sockets = new Set<net.Socket>();
  const proxy: DelayProxy = {
    port: 0,
    connections: 0,
    setDelay: (ms) => {
      delay = ms;
    },
    reset: () => {
      proxy.connections = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    proxy.connections++;
    const accepted = performance.now();
    const upstream = net.connect(opts.target);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    const watch = opts.inspect?.();
    const toUpstream = delayedPipe(upstream);
    const toClient = delayedPipe(client);
    // The handshake's round trips end before the client's first byte can leave.
    const ready = accepted + (opts.handshakeRtts ?? 0) * 2 * delay;
    client.on('data', (chunk) => {
      watch?.(chunk);
      toUpstream(chunk, Math.max(performance.now(), ready) + delay);
    });
    upstream.on('data', (chunk) => toClient(chunk, performance.now() + delay));
    client.on('end', () => toUpstream(null, Math.max(performance.now(), ready) + delay));
    upstream.on('end', () => toClient(null, performance.now() + delay));
    const destroy = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroy);
    upstream.on('error', destroy);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  return proxy;
}
