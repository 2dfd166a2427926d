/**
 * The pure parts of the TOTP factor and the sessions list: RFC 6238 codes
 * (the RFC's SHA-1 test vectors, truncated to 6 digits), the ±1 step window,
 * recovery code spelling, and the client class / coarse address shown for a
 * session.
 */
import { describe, expect, it } from 'vitest';
import { clientClass, coarseAddress } from '../../edge/auth/sessions/client-class.ts';
import { newRecoveryCodes, normalizeRecoveryCode, recoveryCodeHash } from '../../edge/auth/totp/recovery-codes.ts';
import { matchingStep, otpauthUri, totpCodeAt } from '../../edge/auth/totp/totp-codes.ts';

const RFC_KEY = new TextEncoder().encode('12345678901234567890');
// RFC 6238 Appendix B, SHA-1 column (8 digits); a 6-digit code is the last six.
const VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP codes', () => {
  it.each(VECTORS)('match RFC 6238 at T=%i', (t, eight) => {
    expect(totpCodeAt(RFC_KEY, new Date(t * 1000))).toBe(eight.slice(2));
  });

  it('accept one step either way and nothing further, answering the matched step', () => {
    const now = new Date(1_111_111_111_000);
    const step = Math.floor(1_111_111_111 / 30);
    for (const d of [-1, 0, 1])
      expect(matchingStep(RFC_KEY, totpCodeAt(RFC_KEY, new Date(now.getTime() + d * 30_000)), now)).toBe(step + d);
    for (const d of [-2, 2]) expect(matchingStep(RFC_KEY, totpCodeAt(RFC_KEY, new Date(now.getTime() + d * 30_000)), now)).toBeNull();
    expect(matchingStep(RFC_KEY, '12345', now)).toBeNull();
    expect(matchingStep(RFC_KEY, '１２３４５６', now)).toBeNull();
  });

  it('otpauth URI names SHA1, 30 s, 6 digits', () => {
    const uri = new URL(otpauthUri('edge.test', 'a@example.test', RFC_KEY));
    expect(uri.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ algorithm: 'SHA1', period: '30', digits: '6', issuer: 'edge.test' });
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes, forgiving to type, hashed alike in any spelling', async () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    const c = codes[0]!;
    expect(normalizeRecoveryCode(` ${c.toUpperCase().replace('-', ' ')} `)).toBe(c.replace('-', ''));
    expect(await recoveryCodeHash(c.toUpperCase())).toBe(await recoveryCodeHash(c));
    for (const bad of ['', 'abcde', 'abcde-fghij0', 'abcde-fghi1', 'abcde-fghio']) expect(normalizeRecoveryCode(bad)).toBeNull();
  });
});

describe('session client display', () => {
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', 'Chrome on Windows'],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
      'Safari on macOS',
    ],
    ['Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36', 'Chrome on Android'],
    ['curl/8.5.0', 'curl'],
    [null, 'Unknown client'],
    ['', 'Unknown client'],
  ])('%s → %s', (ua, expected) => expect(clientClass(ua)).toBe(expected));

  it.each([
    ['198.51.100.23', '198.51.100.0/24'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd::/48'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['::1', '0:0:0::/48'],
    ['garbage', null],
    [null, null],
  ])('%s → %s', (ip, expected) => expect(coarseAddress(ip)).toBe(expected));
});
