/**
 * A software authenticator for the passkey suites: an ES256 key made with
 * WebCrypto, and the bytes a real authenticator and browser produce, built
 * here by hand (CBOR by the small encoder below, authenticator data per
 * WebAuthn §6.1, attestation format "none", DER signatures), so the server
 * verifies genuine signatures. Each field can be bent to test a refusal:
 * the origin, the RP ID, the user-verified flag, the signature counter.
 */
import { base64url } from 'jose';
import { expect } from 'vitest';
import { call, ORIGIN, type Registered } from './auth.ts';

type Cbor = number | string | Uint8Array | Cbor[] | Map<number | string, Cbor>;

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 0x100) return [(major << 5) | 24, n];
  if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
  return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

/** A minimal CBOR encoder (RFC 8949): integers, byte and text strings, arrays, maps. */
export function cbor(v: Cbor): Uint8Array {
  const out: number[] = [];
  const put = (x: Cbor) => {
    if (typeof x === 'number') out.push(...(x >= 0 ? head(0, x) : head(1, -1 - x)));
    else if (typeof x === 'string') {
      const b = new TextEncoder().encode(x);
      out.push(...head(3, b.length), ...b);
    } else if (x instanceof Uint8Array) out.push(...head(2, x.length), ...x);
    else if (Array.isArray(x)) {
      out.push(...head(4, x.length));
      x.forEach(put);
    } else {
      out.push(...head(5, x.size));
      for (const [k, val] of x) {
        put(k);
        put(val);
      }
    }
  };
  put(v);
  return Uint8Array.from(out);
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const sha256 = async (b: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', b));
const utf8 = (s: string) => new TextEncoder().encode(s);
const u32 = (n: number) => Uint8Array.from([(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);

/** An ECDSA signature from WebCrypto (r‖s) as the DER SEQUENCE WebAuthn carries. */
function der(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.slice(i);
    if (v[0]! & 0x80) v = concat(Uint8Array.of(0), v);
    return concat(Uint8Array.of(0x02, v.length), v);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export interface Bend {
  origin?: string;
  rpId?: string;
  /** Leave the user-verified flag off. */
  noUserVerification?: boolean;
  /** Use this counter instead of the authenticator's next one. */
  counter?: number;
  /** Sign a different challenge than the options gave. */
  challenge?: string;
  /** Leave the user handle out of an assertion. */
  noUserHandle?: boolean;
  type?: string;
}

export class SoftAuthenticator {
  readonly credentialId = crypto.getRandomValues(new Uint8Array(16));
  counter: number;
  userHandle: string | undefined;
  private constructor(
    private readonly keys: CryptoKeyPair,
    readonly defaults: { origin: string; rpId: string },
    /** Counting (hardware-like) or 0 forever (as synced passkeys do). */
    readonly counts: boolean,
  ) {
    this.counter = 0;
  }

  static async create(defaults: { origin: string; rpId: string }, counts = true): Promise<SoftAuthenticator> {
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    return new SoftAuthenticator(keys, defaults, counts);
  }

  get id(): string {
    return base64url.encode(this.credentialId);
  }

  private async coseKey(): Promise<Uint8Array> {
    const jwk = (await crypto.subtle.exportKey('jwk', this.keys.publicKey)) as JsonWebKey;
    return cbor(
      new Map<number, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, base64url.decode(jwk.x!)],
        [-3, base64url.decode(jwk.y!)],
      ]),
    );
  }

  private nextCounter(bend: Bend): number {
    if (bend.counter !== undefined) return bend.counter;
    if (this.counts) this.counter += 1;
    return this.counter;
  }

  private async authData(bend: Bend, counter: number, attested?: Uint8Array): Promise<Uint8Array> {
    const flags = FLAG_UP | (bend.noUserVerification ? 0 : FLAG_UV) | (this.counts ? 0 : FLAG_BE | FLAG_BS) | (attested ? FLAG_AT : 0);
    return concat(await sha256(utf8(bend.rpId ?? this.defaults.rpId)), Uint8Array.of(flags), u32(counter), attested ?? new Uint8Array());
  }

  private clientData(type: string, challenge: string, bend: Bend): Uint8Array {
    return utf8(
      JSON.stringify({
        type: bend.type ?? type,
        challenge: bend.challenge ?? challenge,
        origin: bend.origin ?? this.defaults.origin,
        crossOrigin: false,
      }),
    );
  }

  /** The JSON of navigator.credentials.create() for `options` (PublicKeyCredentialCreationOptionsJSON). */
  async register(options: { challenge: string; user: { id: string } }, bend: Bend = {}) {
    this.userHandle = options.user.id;
    const counter = this.nextCounter(bend);
    const attested = concat(new Uint8Array(16), Uint8Array.of(0, this.credentialId.length), this.credentialId, await this.coseKey());
    const authData = await this.authData(bend, counter, attested);
    const attestationObject = cbor(
      new Map<string, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: base64url.encode(this.clientData('webauthn.create', options.challenge, bend)),
        attestationObject: base64url.encode(attestationObject),
        transports: ['internal'],
      },
    };
  }

  /** The JSON of navigator.credentials.get() for `options` (PublicKeyCredentialRequestOptionsJSON). */
  async assert(options: { challenge: string }, bend: Bend = {}) {
    const authData = await this.authData(bend, this.nextCounter(bend));
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, bend);
    const signed = concat(authData, await sha256(clientDataJSON));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.keys.privateKey, signed));
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: base64url.encode(clientDataJSON),
        authenticatorData: base64url.encode(authData),
        signature: base64url.encode(der(raw)),
        ...(bend.noUserHandle || !this.userHandle ? {} : { userHandle: this.userHandle }),
      },
    };
  }
}

export const RP = { origin: ORIGIN, rpId: new URL(ORIGIN).hostname };

export interface Options {
  challenge: string;
  user: { id: string };
  rp: { id: string; name: string };
  allowCredentials?: { id: string }[];
  excludeCredentials?: { id: string }[];
  authenticatorSelection?: Record<string, unknown>;
  userVerification?: string;
}

/** Registration options for `reg` (the password is right). */
export async function registrationOptions(reg: Registered): Promise<Options> {
  const res = await call('/api/auth/passkeys/registration/options', { token: reg.accessToken, json: { password: reg.password } });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { options: Options }).options;
}

/** Registers a new software passkey for `reg`; returns it and its row's id. */
export async function addPasskey(reg: Registered, name = 'Laptop', counts = true): Promise<{ auth: SoftAuthenticator; id: string }> {
  const auth = await SoftAuthenticator.create(RP, counts);
  const options = await registrationOptions(reg);
  const res = await call('/api/auth/passkeys/registration', {
    token: reg.accessToken,
    json: { name, response: await auth.register(options) },
  });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return { auth, id: (JSON.parse(text) as { id: string }).id };
}

export async function signInOptions(ip?: string): Promise<Options> {
  const res = await call('/api/auth/passkeys/sign-in/options', { method: 'POST', ...(ip ? { ip } : {}) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { options: Options }).options;
}
