/**
 * A TCP proxy that can freeze: while frozen it accepts connections and takes
 * bytes in but forwards nothing either way, as a hung server (or a network
 * that drops everything) looks to its clients. Thawing delivers what was held
 * back, in order, and only then passes on a close: bytes in flight during an
 * outage may still arrive after it, the worst case for "nothing half-written".
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FreezableProxy {
  port: number;
  freeze(): void;
  thaw(): void;
  /** Connections seen so far (each side of a pair counted once). */
  connections(): number;
  close(): Promise<void>;
}

/** One direction of a connection: from `src` to `dst`, holding bytes while frozen. */
class Lane {
  private held: (Buffer | 'end' | 'destroy')[] = [];
  constructor(
    readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly frozen: () => boolean,
  ) {
    src.on('data', (d: Buffer) => this.push(d));
    src.on('end', () => this.push('end'));
    src.on('error', () => this.push('destroy'));
    src.on('close', () => this.push('destroy'));
  }
  private push(item: Buffer | 'end' | 'destroy'): void {
    if (this.frozen()) this.held.push(item);
    else this.deliver(item);
  }
  private deliver(item: Buffer | 'end' | 'destroy'): void {
    if (this.dst.destroyed) return;
    if (item === 'end') this.dst.end();
    else if (item === 'destroy') this.dst.destroySoon();
    else this.dst.write(item);
  }
  flush(): void {
    for (const item of this.held.splice(0)) this.deliver(item);
  }
}

export async function startFreezableProxy(target: { host: string; port: number }): Promise<FreezableProxy> {
  let frozen = false;
  let seen = 0;
  const lanes = new Set<Lane>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    seen++;
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    const up = new Lane(client, upstream, () => frozen);
    const down = new Lane(upstream, client, () => frozen);
    lanes.add(up).add(down);
    let open = 2;
    const closed = () => {
      if (--open === 0 && !frozen) {
        lanes.delete(up);
        lanes.delete(down);
      }
    };
    client.once('close', closed);
    upstream.once('close', closed);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const lane of lanes) lane.flush();
    },
    connections: () => seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
