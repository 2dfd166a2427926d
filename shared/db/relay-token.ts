/**
 * The caller proof of the database relay. The relay in front of Postgres is
 * reachable from the internet (Cloudflare Workers egress from shared, changing
 * addresses), so before it opens a single byte to Postgres it asks for a token
 * that only holders of the relay key can mint: `v1.<exp>.<nonce>.<mac>`, where
 * `mac` is HMAC-SHA256(key, "v1.<exp>.<nonce>") in base64url and `exp` is Unix
 * seconds. Tokens live for a minute and carry a fresh random nonce, so the
 * relay can refuse a replay inside that window.
 *
 * The driver asks for the relay URL synchronously (`neonConfig.wsProxy`), so
 * minting uses node:crypto's synchronous HMAC (Node, and workerd with
 * nodejs_compat). Used by shared/db/neon.ts (mint), infra/db-relay/relay.mts
 * and local/ws-relay.ts (verify).
 */
import * as nodeCrypto from 'node:crypto';

// Typed here because the edge's type program loads @cloudflare/workers-types,
// not @types/node; workerd implements both under nodejs_compat.
interface Hmac {
  update(data: string): Hmac;
  digest(encoding: 'base64url'): string;
}
const { createHmac, timingSafeEqual } = nodeCrypto as unknown as {
  createHmac(algorithm: 'sha256', key: string): Hmac;
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
};

/** Query-string parameter of the WebSocket upgrade that carries the token. */
export const RELAY_TOKEN_PARAM = 'token';
/** Lifetime of a minted token. */
export const RELAY_TOKEN_TTL_SECONDS = 60;
/** Allowed clock difference between the minting Worker and the relay. */
export const RELAY_CLOCK_SKEW_SECONDS = 30;
/** Keys are 32 random bytes, base64url (43 characters): `openssl rand -base64 32 | tr '+/' '-_' | tr -d =`. */
export const RELAY_KEY_MIN_LENGTH = 43;

const PREFIX = 'v1';
const TOKEN_RE = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/;

export type RelayTokenError = 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'not_yet_valid' | 'replayed';

export type RelayTokenResult = { ok: true; nonce: string; exp: number } | { ok: false; reason: RelayTokenError };

const utf8 = new TextEncoder();

function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function mac(key: string, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

function checkKey(key: string): void {
  if (key.length < RELAY_KEY_MIN_LENGTH) {
    throw new Error(`relay key: expected at least ${RELAY_KEY_MIN_LENGTH} characters (32 random bytes, base64url)`);
  }
}

/** Mints a token valid for `ttlSeconds` from `nowMs`. */
export function mintRelayToken(key: string, nowMs = Date.now(), ttlSeconds = RELAY_TOKEN_TTL_SECONDS): string {
  checkKey(key);
  const exp = Math.floor(nowMs / 1000) + ttlSeconds;
  const body = `${PREFIX}.${exp}.${nonce()}`;
  return `${body}.${mac(key, body)}`;
}

/**
 * Remembers nonces until their token expires, so each token opens one
 * session. Per process: with several relay tasks a replay could still land
 * on another task inside the token's minute (docs/deploy.md says so).
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly maxEntries = 100_000) {}

  /** True when the nonce is new (and records it); false for a replay or a full cache. */
  claim(nonce: string, exp: number, nowSeconds: number): boolean {
    if (this.seen.size >= this.maxEntries) this.prune(nowSeconds);
    // Full of live nonces: refuse rather than forget one (fail closed).
    if (this.seen.has(nonce) || this.seen.size >= this.maxEntries) return false;
    this.seen.set(nonce, exp + RELAY_CLOCK_SKEW_SECONDS);
    return true;
  }

  prune(nowSeconds: number): void {
    for (const [nonce, until] of this.seen) if (until < nowSeconds) this.seen.delete(nonce);
  }

  get size(): number {
    return this.seen.size;
  }
}

/**
 * Verifies a token: shape, HMAC (constant time), expiry with clock skew, a
 * lifetime no longer than the relay accepts, and (with `nonces`) single use.
 */
export function verifyRelayToken(
  key: string,
  token: string | null | undefined,
  opts: { nowMs?: number; nonces?: NonceCache } = {},
): RelayTokenResult {
  checkKey(key);
  if (!token) return { ok: false, reason: 'missing' };
  const m = TOKEN_RE.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, expRaw, nonce, given] = m as unknown as [string, string, string, string];
  const expected = utf8.encode(mac(key, `${PREFIX}.${expRaw}.${nonce}`));
  const actual = utf8.encode(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return { ok: false, reason: 'bad_signature' };
  const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const exp = Number(expRaw);
  if (exp + RELAY_CLOCK_SKEW_SECONDS < now) return { ok: false, reason: 'expired' };
  // A token that claims a longer life than any minter gives was not minted by us (or a clock is far off).
  if (exp - RELAY_TOKEN_TTL_SECONDS - RELAY_CLOCK_SKEW_SECONDS > now) return { ok: false, reason: 'not_yet_valid' };
  if (opts.nonces && !opts.nonces.claim(nonce, exp, now)) return { ok: false, reason: 'replayed' };
  return { ok: true, nonce, exp };
}

/** Appends the token parameter to a relay URL (`host/v1?address=...`). */
export function withRelayToken(url: string, token: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${RELAY_TOKEN_PARAM}=${token}`;
}
