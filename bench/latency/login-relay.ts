/**
 * Option (c) of issue #19, as a measurable prototype: a WebSocket relay that
 * logs in to Postgres ITSELF (SCRAM-SHA-256 with its own credential, next to
 * the database) so the driver can pipeline its start-up. The Worker proves
 * itself with the relay token (shared/db/relay-token.ts) as before; with
 * `pipelineConnect: 'password'` @neondatabase/serverless sends StartupMessage,
 * a PasswordMessage and its first query in one flight, without waiting. The
 * relay drops the client's StartupMessage and password (the user and database
 * are the relay's, pinned), runs the SCRAM exchange in-region, then forwards
 * the server's AuthenticationOk onwards and the client's buffered query.
 * The Worker then holds no database password and runs no PBKDF2.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { NonceCache, RELAY_TOKEN_PARAM, verifyRelayToken } from '../../shared/db/relay-token.ts';

export interface LoginRelayOptions {
  target: { host: string; port: number };
  user: string;
  password: string;
  database: string;
  key: string;
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function startup(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0client_encoding\0UTF8\0\0`);
  const head = Buffer.alloc(8);
  head.writeInt32BE(params.length + 8, 0);
  head.writeInt32BE(196608, 4); // protocol 3.0
  return Buffer.concat([head, params]);
}

/** Splits off the client's StartupMessage and PasswordMessage; returns what follows, or null until both are in. */
function afterLogin(buf: Buffer): Buffer | null {
  if (buf.length < 4) return null;
  const startLen = buf.readInt32BE(0);
  if (buf.length < startLen + 5) return null;
  if (buf[startLen] !== 0x70) throw new Error('expected a PasswordMessage after the StartupMessage (pipelineConnect: "password")');
  const passLen = buf.readInt32BE(startLen + 1);
  if (buf.length < startLen + 1 + passLen) return null;
  return buf.subarray(startLen + 1 + passLen);
}

/** Logs in over `tcp` with SCRAM-SHA-256; resolves with the bytes from AuthenticationOk on. */
function scramLogin(tcp: net.Socket, o: LoginRelayOptions, salted: Map<string, Buffer>): Promise<Buffer> {
  const nonce = randomBytes(18).toString('base64');
  const clientFirstBare = `n=*,r=${nonce}`;
  let buf = Buffer.alloc(0);
  let expectSignature: Buffer | null = null;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 5) {
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) return;
        const type = String.fromCharCode(buf[0]!);
        const body = buf.subarray(5, 1 + len);
        if (type === 'E') return reject(new Error(`postgres refused the relay's login: ${body.toString('latin1')}`));
        if (type !== 'R') return reject(new Error(`unexpected message ${type} during login`));
        const code = body.readInt32BE(0);
        if (code === 0) {
          tcp.off('data', onData);
          tcp.pause(); // nothing is lost before the relay starts forwarding
          return resolve(buf);
        }
        buf = buf.subarray(1 + len);
        if (code === 10) {
          const first = Buffer.from(`n,,${clientFirstBare}`);
          const len32 = Buffer.alloc(4);
          len32.writeInt32BE(first.length, 0);
          tcp.write(message('p', Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), len32, first])));
        } else if (code === 11) {
          const serverFirst = body.subarray(4).toString();
          const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
          const cacheKey = `${attrs.s}:${attrs.i}`;
          let salt = salted.get(cacheKey);
          if (!salt) salted.set(cacheKey, (salt = pbkdf2Sync(o.password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i), 32, 'sha256')));
          const withoutProof = `c=biws,r=${attrs.r}`;
          const auth = `${clientFirstBare},${serverFirst},${withoutProof}`;
          const clientKey = hmac(salt, 'Client Key');
          const signature = hmac(createHash('sha256').update(clientKey).digest(), auth);
          const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
          expectSignature = hmac(hmac(salt, 'Server Key'), auth);
          tcp.write(message('p', Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)));
        } else if (code === 12) {
          const v = body.subarray(4).toString().replace(/^v=/, '');
          if (!expectSignature || !Buffer.from(v, 'base64').equals(expectSignature)) return reject(new Error('server signature mismatch'));
        } else return reject(new Error(`unsupported authentication request ${code}`));
      }
    };
    tcp.on('data', onData);
    tcp.once('error', reject);
  });
}

export async function startLoginRelay(o: LoginRelayOptions): Promise<{ port: number; close(): Promise<void> }> {
  const nonces = new NonceCache();
  const salted = new Map<string, Buffer>();
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: '/v1',
    verifyClient: (info: { req: { url?: string } }, done: (ok: boolean, code?: number) => void) => {
      const token = new URL(info.req.url ?? '/', 'http://relay').searchParams.get(RELAY_TOKEN_PARAM);
      done(verifyRelayToken(o.key, token, { nonces }).ok, 401);
    },
  });
  wss.on('connection', (ws: WebSocket) => {
    const tcp = net.connect(o.target);
    tcp.setNoDelay(true);
    let fromClient = Buffer.alloc(0);
    let rest: Buffer | null = null;
    let ready = false;
    const end = () => {
      tcp.destroy();
      if (ws.readyState === ws.OPEN) ws.close();
    };
    const login = new Promise<Buffer>((resolve, reject) => {
      tcp.once('connect', () => {
        tcp.write(startup(o.user, o.database));
        scramLogin(tcp, o, salted).then(resolve, reject);
      });
    });
    ws.on('message', (data: Buffer) => {
      if (ready) return void tcp.write(data);
      if (rest !== null) return void (rest = Buffer.concat([rest, data]));
      fromClient = Buffer.concat([fromClient, data]);
      try {
        rest = afterLogin(fromClient);
      } catch {
        end();
      }
    });
    login.then(
      (authOk) => {
        const flush = () => {
          if (rest === null) return void setTimeout(flush, 1); // the client's start-up is still in flight
          ready = true;
          ws.send(authOk);
          if (rest.length) tcp.write(rest);
          tcp.on('data', (chunk) => ws.send(chunk));
          tcp.resume();
        };
        flush();
      },
      () => end(),
    );
    ws.on('close', end);
    ws.on('error', end);
    tcp.on('close', end);
    tcp.on('error', end);
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  return {
    port: (wss.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
