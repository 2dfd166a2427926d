/**
 * One relayed Postgres session, shared by the AWS relay (relay.mts) and the
 * local stand-in (local/ws-relay.ts) so both behave alike. The caller proof
 * has already been checked: this runs only for an accepted WebSocket.
 *
 * Without `login`, the client's bytes are piped to the target as they come
 * (the client authenticates itself). With `login`, the relay reads the
 * client's StartupMessage first:
 * - naming the relay's role: the relay dials, logs in itself
 *   (./pg-login.mts), hands the client the server's AuthenticationOk and
 *   what follows, drops the client's pipelined PasswordMessage (a
 *   placeholder: the Worker holds no database password) and then pipes;
 * - naming any other role (the pipeline Lambdas, with their own passwords):
 *   piped as without `login`;
 * - an SSL, GSS or cancel request, or a malformed packet: closed.
 */
import type { Socket } from 'node:net';
import { type Duplex, pipeline, Transform } from 'node:stream';
import { errorResponse, logIn, loginStartup, MAX_STARTUP_LENGTH, PROTOCOL_3, parseStartup, type RelayLogin } from './pg-login.mts';

export type { RelayLogin };

export interface SessionOptions {
  /** Log in as this role when the client asks for it (see above). */
  readonly login?: RelayLogin;
  /** PBKDF2 cache of the login (one per relay). */
  readonly salted?: Map<string, Buffer>;
  /** How long a client may take to send its StartupMessage, and the relay's own login. @default 10000 */
  readonly startupTimeoutMs?: number;
  /** Sees every client chunk (after the startup packet); true ends the target's writing side (local: PGlite ignores Terminate). */
  readonly tap?: (chunk: Buffer) => boolean;
  /** Without `login`, how to tell the client the target is unreachable (the AWS relay: WebSocket close 1011). */
  readonly onUnreachable?: () => void;
  /** Told why a session ended early (no secrets in it). */
  readonly onError?: (reason: string) => void;
}

/** Runs one session; resolves when both sides are closed. */
export async function relaySession(client: Duplex, dial: () => Promise<Socket>, opts: SessionOptions = {}): Promise<void> {
  client.on('error', () => undefined);
  if (!opts.login) return pipeTo(client, dial, opts, []);
  let first: { packet: Buffer; rest: Buffer };
  try {
    first = await readFirstPacket(client, opts.startupTimeoutMs ?? 10_000);
  } catch (err) {
    opts.onError?.((err as Error).message);
    client.destroy();
    return;
  }
  const startup = parseStartup(first.packet);
  if (startup.code !== PROTOCOL_3) {
    opts.onError?.(`first packet code ${startup.code}`);
    client.destroy();
    return;
  }
  const asRelay = startup.params.get('user') === opts.login.user ? opts.login : undefined;
  if (!asRelay) {
    client.unshift(Buffer.concat([first.packet, first.rest]));
    return pipeTo(client, dial, opts, []);
  }
  const hello = loginStartup(startup, asRelay);
  if (!Buffer.isBuffer(hello)) {
    opts.onError?.(hello.refuse);
    client.end(errorResponse(hello.refuse));
    return;
  }
  opts.tap?.(first.packet);
  return pipeTo(
    client,
    async () => {
      const target = await dial();
      target.on('error', () => undefined);
      target.write(hello);
      let authOk: Buffer;
      // A database that stalls mid-login must not hold the session (and its slot) forever.
      const stalled = setTimeout(() => target.destroy(), opts.startupTimeoutMs ?? 10_000);
      try {
        authOk = await logIn(target, asRelay, opts.salted ?? new Map());
      } catch (err) {
        target.destroy();
        throw new LoginError((err as Error).message);
      } finally {
        clearTimeout(stalled);
      }
      if (client.destroyed || !client.writable) {
        target.destroy();
        throw new Error('the client left during the login');
      }
      client.write(authOk);
      if (first.rest.length) client.unshift(first.rest);
      return target;
    },
    opts,
    [dropPasswordMessage()],
  );
}

class LoginError extends Error {}

/** Dials, then pipes both ways through `stages` (and the tap) until either side closes. */
async function pipeTo(client: Duplex, dial: () => Promise<Socket>, opts: SessionOptions, stages: Transform[]): Promise<void> {
  let target: Socket;
  try {
    target = await dial();
  } catch (err) {
    const login = err instanceof LoginError;
    opts.onError?.(login ? err.message : `dial: ${(err as Error).message}`);
    try {
      if (opts.login && client.writable)
        client.end(errorResponse(login ? 'the relay could not log in to the database' : 'the relay cannot reach the database'));
      else if (opts.onUnreachable) opts.onUnreachable();
      else client.destroy();
    } catch {
      client.destroy();
    }
    return;
  }
  target.on('error', () => undefined);
  const tap = opts.tap;
  if (tap) {
    stages.push(
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          const end = tap(chunk);
          cb(null, chunk);
          if (end) setImmediate(() => target.end());
        },
      }),
    );
  }
  const done = () => {
    client.destroy();
    target.destroy();
  };
  pipeline([client, ...stages, target], done);
  pipeline(target, client, done);
  target.resume();
  // Not events.once: it rejects when the pipeline destroys the target with the client's error.
  if (!target.closed) await new Promise((resolve) => target.once('close', resolve));
}

/** Reads the untyped first packet; pauses the client and leaves what followed it in `rest`. */
function readFirstPacket(client: Duplex, timeoutMs: number): Promise<{ packet: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error('no startup packet in time')), timeoutMs);
    const finish = (err: Error | null, value?: { packet: Buffer; rest: Buffer }) => {
      clearTimeout(timer);
      client.off('data', onData);
      client.off('close', onClose);
      client.off('end', onClose);
      if (err) reject(err);
      else resolve(value!);
    };
    const onClose = () => finish(new Error('client left before its startup packet'));
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (buf.length < 8) return;
      const len = buf.readInt32BE(0);
      if (len < 8 || len > MAX_STARTUP_LENGTH) return finish(new Error('malformed startup packet'));
      if (buf.length < len) return;
      client.pause();
      finish(null, { packet: buf.subarray(0, len), rest: buf.subarray(len) });
    };
    client.on('data', onData);
    client.once('close', onClose);
    client.once('end', onClose);
  });
}

/**
 * Drops the PasswordMessage ('p') the driver pipelines after its
 * StartupMessage; anything else first (a client that did not pipeline and
 * waited for AuthenticationOk) passes untouched.
 */
function dropPasswordMessage(): Transform {
  let pending: Buffer | null = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (pending === null) return cb(null, chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (pending.length < 5) return cb();
      if (pending[0] === 0x70) {
        const len = pending.readInt32BE(1);
        if (pending.length < 1 + len) return cb();
        pending = pending.subarray(1 + len);
      }
      const out = pending;
      pending = null;
      cb(null, out.length ? out : undefined);
    },
  });
}
