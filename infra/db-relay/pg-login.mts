/**
 * The relay's own Postgres login (option (c) of issue #19): the relay, next
 * to the database, answers the client's StartupMessage by logging in itself
 * with its own credential, so the Worker's driver can pipeline StartupMessage,
 * a (placeholder) PasswordMessage and its first query in one flight
 * (`pipelineConnect: 'password'`) and run no SCRAM of its own.
 *
 * Wire facts used here (PostgreSQL protocol 3.0): the first client packet is
 * untyped (Int32 length, Int32 code, then for a StartupMessage NUL-terminated
 * key/value pairs); every later message is typed (Byte1 type, Int32 length
 * counting itself). The server's AuthenticationRequest is 'R' with an Int32
 * code: 0 Ok, 3 cleartext, 5 MD5, 10 SASL, 11 SASL continue, 12 SASL final.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';

/** The one role a relay logs in as, and its password (from Secrets Manager in AWS). */
export interface RelayLogin {
  readonly user: string;
  readonly password: string;
  /** Pinned database: a client that asks for another is refused. Absent, the client's. */
  readonly database?: string;
}

export const PROTOCOL_3 = 196608;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
/** PostgreSQL's own limit on a startup packet. */
export const MAX_STARTUP_LENGTH = 10_000;

export interface Startup {
  readonly code: number;
  readonly params: Map<string, string>;
}

/** Parses a complete first packet (length prefix included). */
export function parseStartup(packet: Buffer): Startup {
  const code = packet.readInt32BE(4);
  const params = new Map<string, string>();
  if (code !== PROTOCOL_3) return { code, params };
  const fields = packet.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < fields.length && fields[i]; i += 2) params.set(fields[i]!, fields[i + 1]!);
  return { code, params };
}

export function startupMessage(params: Map<string, string>): Buffer {
  let body = '';
  for (const [k, v] of params) body += `${k}\0${v}\0`;
  const payload = Buffer.from(`${body}\0`, 'utf8');
  const head = Buffer.alloc(8);
  head.writeInt32BE(payload.length + 8, 0);
  head.writeInt32BE(PROTOCOL_3, 4);
  return Buffer.concat([head, payload]);
}

export function typedMessage(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** An ErrorResponse the driver reports as a connection failure (SQLSTATE 08004: rejected). */
export function errorResponse(message: string, sqlstate = '08004'): Buffer {
  return typedMessage('E', Buffer.from(`SFATAL\0VFATAL\0C${sqlstate}\0M${message}\0\0`, 'utf8'));
}

/** What the relay sends Postgres for a client's startup: its own user (and pinned database), the client's harmless settings. */
export function loginStartup(client: Startup, login: RelayLogin): Buffer | { refuse: string } {
  const database = client.params.get('database') ?? client.params.get('user') ?? '';
  if (login.database !== undefined && database !== login.database) return { refuse: 'database not served by this relay' };
  if (client.params.has('replication')) return { refuse: 'replication is not served by this relay' };
  const params = new Map<string, string>([
    ['user', login.user],
    ['database', login.database ?? database],
  ]);
  for (const [k, v] of client.params)
    if (!params.has(k) && /^(application_name|client_encoding|DateStyle|TimeZone|extra_float_digits)$/i.test(k)) params.set(k, v);
  return startupMessage(params);
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * Logs in over `target` (the StartupMessage already written): SCRAM-SHA-256,
 * MD5, cleartext, or trust. Resolves with the server's bytes from
 * AuthenticationOk on (ParameterStatus, BackendKeyData, ReadyForQuery may
 * follow in them), the target paused so nothing after them is lost.
 * `salted` caches PBKDF2 per salt and iteration count: the relay pays it
 * once per process, not per connection.
 */
export function logIn(target: Duplex, login: RelayLogin, salted: Map<string, Buffer>): Promise<Buffer> {
  const nonce = randomBytes(18).toString('base64');
  const clientFirstBare = `n=*,r=${nonce}`;
  let buf: Buffer = Buffer.alloc(0);
  let expectSignature: Buffer | null = null;
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      target.off('data', onData);
      target.off('close', onClose);
      reject(err);
    };
    const onClose = () => fail(new Error('the database closed the connection during the login'));
    const onData = (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 5) {
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) return;
        const type = String.fromCharCode(buf[0]!);
        const body = buf.subarray(5, 1 + len);
        if (type === 'E') return fail(new Error(`the database refused the relay's login: ${readError(body)}`));
        if (type === 'N' || type === 'v') {
          buf = buf.subarray(1 + len); // notices and protocol negotiation during start-up
          continue;
        }
        if (type !== 'R') return fail(new Error(`unexpected message ${type} during the login`));
        const code = body.readInt32BE(0);
        if (code === 0) {
          target.off('data', onData);
          target.off('close', onClose);
          target.pause();
          return resolve(buf);
        }
        buf = buf.subarray(1 + len);
        try {
          if (code === 3) target.write(typedMessage('p', Buffer.from(`${login.password}\0`)));
          else if (code === 5) {
            const inner = createHash('md5')
              .update(login.password + login.user)
              .digest('hex');
            const outer = createHash('md5').update(inner).update(body.subarray(4, 8)).digest('hex');
            target.write(typedMessage('p', Buffer.from(`md5${outer}\0`)));
          } else if (code === 10) {
            const mechanisms = body.subarray(4).toString('utf8').split('\0');
            if (!mechanisms.includes('SCRAM-SHA-256')) return fail(new Error('the database offers no SCRAM-SHA-256'));
            const first = Buffer.from(`n,,${clientFirstBare}`);
            const len32 = Buffer.alloc(4);
            len32.writeInt32BE(first.length, 0);
            target.write(typedMessage('p', Buffer.concat([Buffer.from('SCRAM-SHA-256\0'), len32, first])));
          } else if (code === 11) {
            const serverFirst = body.subarray(4).toString('utf8');
            const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
            if (!attrs.r?.startsWith(nonce) || !attrs.s || !attrs.i) return fail(new Error('SCRAM: bad server-first message'));
            const cacheKey = `${attrs.s}:${attrs.i}`;
            let salt = salted.get(cacheKey);
            if (!salt) {
              salt = pbkdf2Sync(login.password, Buffer.from(attrs.s, 'base64'), Number(attrs.i), 32, 'sha256');
              salted.set(cacheKey, salt);
            }
            const withoutProof = `c=biws,r=${attrs.r}`;
            const auth = `${clientFirstBare},${serverFirst},${withoutProof}`;
            const clientKey = hmac(salt, 'Client Key');
            const signature = hmac(createHash('sha256').update(clientKey).digest(), auth);
            const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
            expectSignature = hmac(hmac(salt, 'Server Key'), auth);
            target.write(typedMessage('p', Buffer.from(`${withoutProof},p=${proof.toString('base64')}`)));
          } else if (code === 12) {
            // The server proves it knows the verifier: a stand-in without it cannot take the session.
            const v = Buffer.from(body.subarray(4).toString('utf8').replace(/^v=/, ''), 'base64');
            if (!expectSignature || v.length !== expectSignature.length || !timingSafeEqual(v, expectSignature)) {
              return fail(new Error('SCRAM: server signature mismatch'));
            }
          } else return fail(new Error(`unsupported authentication request ${code}`));
        } catch (err) {
          return fail(err as Error);
        }
      }
    };
    target.on('data', onData);
    target.once('close', onClose);
  });
}

function readError(body: Buffer): string {
  const fields = body.toString('utf8').split('\0');
  const field = (code: string) => (fields.find((f) => f.startsWith(code)) ?? '').slice(1);
  return `${field('C')} ${field('M')}`;
}
