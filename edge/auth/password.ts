/**
 * Password hashing for the edge: scrypt (RFC 7914) through `node:crypto`,
 * which workerd implements natively (BoringSSL's EVP_PBE_scrypt) under the
 * `nodejs_compat` flag this Worker already sets.
 *
 * Why scrypt and not PBKDF2 (measured in workerd, test/workers/auth-password.test.ts
 * and docs/architecture.md, "Auth"):
 * - Cloudflare's production runtime refuses PBKDF2 above 100,000 iterations
 *   (workerd `DEFAULT_MAX_PBKDF2_ITERATIONS`, for WebCrypto and node:crypto
 *   alike); OWASP asks 600,000 for PBKDF2-HMAC-SHA256. The open-source workerd
 *   used locally lifts that cap, so a local test cannot show it: 600,000
 *   passes here and fails when deployed.
 * - scrypt is OWASP's recommendation when Argon2id is unavailable (workerd has
 *   no argon2), it is memory-hard (PBKDF2 is not, so GPUs and ASICs gain far
 *   more against it), and it is a standard construction run by the runtime's
 *   own C code: no homemade crypto and no JavaScript KDF.
 * - Parameters: OWASP's row N=2^14, r=8, p=5 (16 MiB, rated the same as the
 *   other rows of that table). N*r*p = 655,360 stays under the scrypt cost
 *   cap newer workerd sets beside the PBKDF2 one (N*r*p <= 2^20), and 16 MiB
 *   stays far under the 128 MB isolate memory limit; the rows with N=2^16 or
 *   2^17 need 64-128 MiB, too close to it.
 *
 * Stored format, self-describing so parameters can be raised later (a
 * successful login with older parameters rehashes; see `needsRehash`):
 *   `scrypt$ln=14,r=8,p=5$<salt, 16 bytes base64url>$<hash, 32 bytes base64url>`
 *
 * Passwords are NFKC-normalised before hashing (NIST SP 800-63B), so the same
 * password typed on different keyboards verifies.
 */
import { scrypt, timingSafeEqual } from 'node:crypto';
import { base64url } from 'jose';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  r: number;
  p: number;
}

/** The parameters new hashes use. Raise them here; old hashes keep verifying and are upgraded at login. */
export const CURRENT_PARAMS: Readonly<ScryptParams> = Object.freeze({ ln: 14, r: 8, p: 5 });

/** What `PASSWORD_HASH_COST=low` uses: the smallest parameters this module accepts (1/80 of the work). */
export const LOW_PARAMS: Readonly<ScryptParams> = Object.freeze({ ln: 10, r: 8, p: 1 });

/**
 * The parameters new hashes use under this configuration: {@link CURRENT_PARAMS},
 * or {@link LOW_PARAMS} in test suites (shared/config.ts refuses `low` unless APP_ENV is test).
 */
export function passwordParams(config: { PASSWORD_HASH_COST: 'standard' | 'low' }): Readonly<ScryptParams> {
  return config.PASSWORD_HASH_COST === 'low' ? LOW_PARAMS : CURRENT_PARAMS;
}

const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** workerd's production cap on scrypt work (`N * r * p`); a stored hash above it could never verify there. */
export const MAX_SCRYPT_COST = 2 ** 20;
/** Upper bound on the memory a stored hash may ask for (128 * N * r bytes), so a damaged row cannot exhaust the isolate. */
const MAX_SCRYPT_MEMORY = 32 * 1024 * 1024;

const FORMAT = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{22})\$([A-Za-z0-9_-]{43})$/;

function checkParams({ ln, r, p }: ScryptParams): void {
  const n = 2 ** ln;
  const ok =
    ln >= 10 && ln <= 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && n * r * p <= MAX_SCRYPT_COST && 128 * n * r <= MAX_SCRYPT_MEMORY;
  if (!ok) throw new TypeError('password hash: scrypt parameters out of the supported range');
}

function derive(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  const n = 2 ** params.ln;
  const input = new TextEncoder().encode(password.normalize('NFKC'));
  // BoringSSL needs a little more than the 128*N*r table; twice the table is always enough.
  const maxmem = 2 * 128 * n * params.r;
  return new Promise((resolve, reject) => {
    scrypt(input, salt, HASH_BYTES, { N: n, r: params.r, p: params.p, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
    });
  });
}

function encode(params: ScryptParams, salt: Uint8Array, hash: Uint8Array): string {
  return `scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${base64url.encode(salt)}$${base64url.encode(hash)}`;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Uint8Array;
  hash: Uint8Array;
}

/** Parses a stored hash. @throws TypeError when it is not one this module wrote. */
export function parsePasswordHash(encoded: string): ParsedHash {
  const m = FORMAT.exec(encoded);
  if (!m) throw new TypeError('password hash: unknown format');
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  checkParams(params);
  return { params, salt: base64url.decode(m[4]!), hash: base64url.decode(m[5]!) };
}

/**
 * Compares two byte strings in time that depends only on their lengths
 * (which are public here: both are 32-byte hashes). Unequal lengths are
 * simply unequal.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}

/** Hashes a password with a fresh random salt and the current parameters. */
export async function hashPassword(password: string, params: ScryptParams = CURRENT_PARAMS): Promise<string> {
  checkParams(params);
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  return encode(params, salt, await derive(password, salt, params));
}

export interface VerifyResult {
  ok: boolean;
  /** The hash uses other parameters than the current ones: store a new one after a successful login. */
  needsRehash: boolean;
}

/**
 * Verifies a password against a stored hash, with the parameters the hash
 * names; `current` is what new hashes use (see {@link passwordParams}).
 * @throws TypeError when the stored hash is malformed (a server fault).
 */
export async function verifyPassword(password: string, encoded: string, current: ScryptParams = CURRENT_PARAMS): Promise<VerifyResult> {
  const { params, salt, hash } = parsePasswordHash(encoded);
  const candidate = await derive(password, salt, params);
  const ok = constantTimeEqual(candidate, hash);
  const needsRehash = params.ln !== current.ln || params.r !== current.r || params.p !== current.p;
  return { ok, needsRehash };
}

/**
 * A hash no password matches (its "hash" part is random bytes, not a scrypt
 * output), with the given (current) parameters. Verifying against it costs exactly
 * what a real verification costs, so a login for an unknown email takes as
 * long as one with a wrong password and does not reveal which accounts exist.
 * Built without running scrypt, so the first use in an isolate is not slower;
 * built on first use because workerd forbids random values in global scope
 * (a deployed Worker that did so would not start).
 */
const dummyHashes = new Map<string, string>();
export function dummyPasswordHash(params: ScryptParams = CURRENT_PARAMS): string {
  const key = `${params.ln},${params.r},${params.p}`;
  let dummy = dummyHashes.get(key);
  if (!dummy) {
    dummy = encode(params, crypto.getRandomValues(new Uint8Array(SALT_BYTES)), crypto.getRandomValues(new Uint8Array(HASH_BYTES)));
    dummyHashes.set(key, dummy);
  }
  return dummy;
}
