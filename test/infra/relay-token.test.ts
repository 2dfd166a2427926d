/** The token format itself (shared/db/relay-token.ts), with a frozen clock. */
import { describe, expect, it } from 'vitest';
import {
  mintRelayToken,
  NonceCache,
  RELAY_CLOCK_SKEW_SECONDS,
  RELAY_TOKEN_TTL_SECONDS,
  verifyRelayToken,
  withRelayToken,
} from '../../shared/db/relay-token.ts';
import { SourceRateLimiter } from '../../infra/db-relay/rate-limit.mts';

const KEY = 'unit-test-relay-key-'.padEnd(43, 'z');
const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);

describe('relay token', () => {
  it('verifies within its lifetime plus skew and not after', () => {
    const t = mintRelayToken(KEY, T0);
    expect(t).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(verifyRelayToken(KEY, t, { nowMs: T0 })).toMatchObject({ ok: true });
    const lastOk = T0 + (RELAY_TOKEN_TTL_SECONDS + RELAY_CLOCK_SKEW_SECONDS) * 1000;
    expect(verifyRelayToken(KEY, t, { nowMs: lastOk })).toMatchObject({ ok: true });
    expect(verifyRelayToken(KEY, t, { nowMs: lastOk + 1000 })).toEqual({ ok: false, reason: 'expired' });
  });

  it('tolerates a relay clock behind by the skew, refuses tokens from further ahead', () => {
    const t = mintRelayToken(KEY, T0);
    expect(verifyRelayToken(KEY, t, { nowMs: T0 - RELAY_CLOCK_SKEW_SECONDS * 1000 })).toMatchObject({ ok: true });
    expect(verifyRelayToken(KEY, t, { nowMs: T0 - (RELAY_CLOCK_SKEW_SECONDS + 1) * 1000 })).toEqual({ ok: false, reason: 'not_yet_valid' });
  });

  it('binds every part to the MAC', () => {
    const t = mintRelayToken(KEY, T0);
    const [v, exp, nonce, mac] = t.split('.') as [string, string, string, string];
    const later = `${v}.${Number(exp) + 1}.${nonce}.${mac}`;
    const otherNonce = `${v}.${exp}.${nonce.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}.${mac}`;
    for (const bad of [later, otherNonce])
      expect(verifyRelayToken(KEY, bad, { nowMs: T0 })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyRelayToken(KEY, `v2.${exp}.${nonce}.${mac}`, { nowMs: T0 })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyRelayToken(KEY, undefined)).toEqual({ ok: false, reason: 'missing' });
  });

  it('mints a fresh nonce each time and a cache refuses the second use', () => {
    const nonces = new NonceCache();
    const a = mintRelayToken(KEY, T0);
    expect(a).not.toBe(mintRelayToken(KEY, T0));
    expect(verifyRelayToken(KEY, a, { nowMs: T0, nonces })).toMatchObject({ ok: true });
    expect(verifyRelayToken(KEY, a, { nowMs: T0, nonces })).toEqual({ ok: false, reason: 'replayed' });
    nonces.prune(Math.floor(T0 / 1000) + RELAY_TOKEN_TTL_SECONDS + RELAY_CLOCK_SKEW_SECONDS + 1);
    expect(nonces.size).toBe(0);
  });

  it('fails closed when the nonce cache is full of live tokens', () => {
    const nonces = new NonceCache(2);
    const ok = (t: string) => verifyRelayToken(KEY, t, { nowMs: T0, nonces }).ok;
    expect([ok(mintRelayToken(KEY, T0)), ok(mintRelayToken(KEY, T0)), ok(mintRelayToken(KEY, T0))]).toEqual([true, true, false]);
  });

  it('refuses short keys on both sides and appends to a URL with or without a query', () => {
    expect(() => mintRelayToken('short')).toThrow(/43/);
    expect(() => verifyRelayToken('short', 'x')).toThrow(/43/);
    expect(withRelayToken('h/v1', 'T')).toBe('h/v1?token=T');
    expect(withRelayToken('h/v1?address=a:1', 'T')).toBe('h/v1?address=a:1&token=T');
  });
});

describe('per-source rate limiter', () => {
  it('allows the burst, then the refill rate, per source', () => {
    let now = 0;
    const l = new SourceRateLimiter(2, 3, () => now);
    expect([1, 2, 3, 4].map(() => l.take('a'))).toEqual([true, true, true, false]);
    expect(l.take('b')).toBe(true);
    now += 500; // 2/s refills one token in 500 ms
    expect([l.take('a'), l.take('a')]).toEqual([true, false]);
    now += 10_000;
    l.prune();
    expect([1, 2, 3, 4].map(() => l.take('a'))).toEqual([true, true, true, false]);
    expect(() => new SourceRateLimiter(0, 1)).toThrow(/ratePerSecond/);
  });
});
