/**
 * PGlite over TCP, one request cycle at a time.
 *
 * PGlite is a single backend session. @electric-sql/pglite-socket 0.2 queues
 * every protocol message on its own and keeps a connection to itself only
 * while `isInTransaction()`, so the Parse/Bind/Execute/Sync of concurrent
 * connections interleave and overwrite each other's unnamed statement ("bind
 * message supplies 7 parameters, but prepared statement "" requires 3"). It
 * also refuses connections past `maxConnections` with a non-protocol string.
 *
 * Here a connection takes PGlite's own locks (the transaction mutex, then the
 * query mutex, as `PGlite.query()` and `transaction()` do, so in-process users
 * are excluded too) from its first message until a ReadyForQuery with status
 * 'I' ends a cycle it finished (Sync, simple Query, or the start-up exchange).
 * Inside a transaction ('T' or 'E') it keeps them until the transaction ends.
 * A connection that goes away while holding them gets a Sync and, if a
 * transaction is open, a ROLLBACK before anyone else runs.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);
/** Parse, Bind, Describe, Execute, Close, Flush: an extended-protocol cycle goes on until Sync. */
const MID_CYCLE = new Set([...'PBDECH'].map((c) => c.charCodeAt(0)));
const ROLLBACK = Buffer.concat([Buffer.from([0x51, 0, 0, 0, 13]), Buffer.from('ROLLBACK\0')]);

export interface PgliteWireServer {
  port: number;
  close(): Promise<void>;
}

export interface PgliteWireServerOptions {
  host?: string;
  port: number;
  /** Connections beyond this are answered with a FATAL ErrorResponse. */
  maxConnections?: number;
  /**
   * A connection that holds PGlite (open transaction or unfinished cycle) and
   * sends nothing for this long is closed and rolled back, like Postgres's
   * idle_in_transaction_session_timeout; otherwise one stuck client stops all.
   */
  idleHoldTimeoutMs?: number;
}

export async function startPgliteWireServer(db: PGlite, opts: PgliteWireServerOptions): Promise<PgliteWireServer> {
  await db.waitReady;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    if (sockets.size >= (opts.maxConnections ?? 256)) {
      socket.end(fatal('53300', 'too many connections'));
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(db, socket, opts.idleHoldTimeoutMs ?? 60_000);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

type Release = () => void;

/** PGlite's two locks in the order its own query()/transaction() take them. */
function lockPglite(db: PGlite): Promise<Release> {
  return new Promise((acquired) => {
    void db._runExclusiveTransaction(() => db.runExclusive(() => new Promise<void>((release) => acquired(() => release()))));
  });
}

function serveConnection(db: PGlite, socket: net.Socket, idleHoldTimeoutMs: number): void {
  socket.setNoDelay(true);
  let input: Buffer = Buffer.alloc(0);
  let started = false;
  /** Complete frontend messages not yet run; a start-up packet is always alone. */
  const queue: Buffer[] = [];
  let release: Release | null = null;
  let pumping = false;
  let closed = false;
  let idleTimer: NodeJS.Timeout | undefined;

  socket.on('data', (chunk: Buffer) => {
    input = input.length ? Buffer.concat([input, chunk]) : chunk;
    for (;;) {
      if (!started) {
        if (input.length < 8) break;
        const len = input.readInt32BE(0);
        if (len < 8 || len > 10_000) return void socket.destroy();
        if (input.length < len) break;
        const code = input.readInt32BE(4);
        const packet = input.subarray(0, len);
        input = input.subarray(len);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) socket.write('N');
        else if (code === CANCEL_REQUEST)
          return void socket.destroy(); // PGlite has nothing to cancel
        else {
          started = true;
          queue.push(Buffer.from(packet));
        }
        continue;
      }
      if (input.length < 5) break;
      const len = input.readInt32BE(1);
      if (len < 4) return void socket.destroy();
      if (input.length < 1 + len) break;
      const msg = input.subarray(0, 1 + len);
      input = input.subarray(1 + len);
      // Terminate: PGlite ignores it; a real server closes the connection.
      if (msg.readUInt8(0) === 0x58) {
        socket.end();
        break;
      }
      queue.push(Buffer.from(msg));
    }
    void pump();
  });
  const gone = () => {
    closed = true;
    queue.length = 0;
    clearTimeout(idleTimer);
    void pump();
  };
  socket.on('close', gone);
  socket.on('error', gone);

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length && !closed) {
        clearTimeout(idleTimer);
        release ??= await lockPglite(db);
        if (closed) break;
        // Everything that arrived so far runs as one batch (PGlite runs
        // batched messages in order); a start-up packet must run alone.
        const batch = queue[0]!.readUInt8(0) === 0 ? [queue.shift()!] : queue.splice(0);
        const last = batch.at(-1)!.readUInt8(0);
        const ready = await run(db, Buffer.concat(batch), (out) => {
          if (!closed && socket.writable) socket.write(out);
        });
        // A cycle ended when the output ends with ReadyForQuery and the batch
        // did not end inside an extended-protocol exchange (a Flush, or a
        // message after the Sync); 'I' means no transaction is open.
        if (ready === 'I' && !MID_CYCLE.has(last)) {
          release();
          release = null;
        }
      }
      if (closed && release) await abandon(db);
      else if (release) {
        idleTimer = setTimeout(() => socket.destroy(), idleHoldTimeoutMs);
        idleTimer.unref();
      }
    } catch (err) {
      console.error('[pglite-wire] connection failed', err);
      closed = true;
      socket.destroy();
      if (release) await abandon(db).catch(() => {});
    } finally {
      if (closed && release) {
        release();
        release = null;
      }
      pumping = false;
    }
  }
}

/** Leaves the session clean for the next holder: end the cycle, end the transaction. */
async function abandon(db: PGlite): Promise<void> {
  let status = await run(db, SYNC, () => {});
  if (status !== 'I') status = await run(db, ROLLBACK, () => {});
}

/** Runs messages and returns the status of the last ReadyForQuery, when the output ends with one. */
async function run(db: PGlite, messages: Buffer, write: (out: Buffer) => void): Promise<string | null> {
  const tail = tracker();
  await db.execProtocolRawStream(new Uint8Array(messages.buffer, messages.byteOffset, messages.length), {
    onRawData: (data) => {
      const out = Buffer.from(data); // PGlite reuses its buffer
      tail.feed(out);
      write(out);
    },
  });
  return tail.readyStatus();
}

/** Follows backend message boundaries across chunks, remembering the last message. */
function tracker() {
  let header: Buffer = Buffer.alloc(0);
  let remaining = 0; // body bytes of the current message still to come
  let lastType = 0;
  let lastStatus = 0;
  return {
    feed(chunk: Buffer) {
      let i = 0;
      while (i < chunk.length) {
        if (remaining > 0) {
          const take = Math.min(remaining, chunk.length - i);
          if (lastType === 0x5a) lastStatus = chunk.readUInt8(i + take - 1);
          remaining -= take;
          i += take;
          continue;
        }
        const need = 5 - header.length;
        const part = chunk.subarray(i, i + need);
        header = Buffer.concat([header, part]);
        i += part.length;
        if (header.length === 5) {
          lastType = header.readUInt8(0);
          remaining = header.readInt32BE(1) - 4;
          lastStatus = 0;
          header = Buffer.alloc(0);
        }
      }
    },
    readyStatus: () => (lastType === 0x5a && remaining === 0 && header.length === 0 ? String.fromCharCode(lastStatus) : null),
  };
}

/** A FATAL ErrorResponse, as Postgres sends before closing. */
function fatal(code: string, text: string): Buffer {
  const body = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0\0`);
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}
