/**
 * RFC 6238 TOTP as the issue asks: 30-second steps, HMAC-SHA-1, 6 digits,
 * one step of drift either way (the HOTP core is @oslojs/otp's). Checking a
 * code answers the *step* it matched, so the caller can refuse a code of a
 * step already used (./totp-store.ts keeps the last used step).
 */
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { createTOTPKeyURI, generateHOTP } from '@oslojs/otp';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one. */
export const TOTP_DRIFT_STEPS = 1;
/** 160-bit keys, the HMAC-SHA-1 block-size recommendation of RFC 4226. */
const KEY_BYTES = 20;

export const newTotpKey = (): Uint8Array => crypto.getRandomValues(new Uint8Array(KEY_BYTES));

/** The base32 spelling authenticator apps (and `oathtool -b`) take. */
export const base32Of = (key: Uint8Array): string => encodeBase32UpperCaseNoPadding(key);

/** The `otpauth://totp/...` URI a QR code carries. */
export const otpauthUri = (issuer: string, account: string, key: Uint8Array): string =>
  createTOTPKeyURI(issuer, account, key, TOTP_PERIOD_SECONDS, TOTP_DIGITS);

/** The time step of `now`. */
export const stepAt = (now: Date): number => Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS);

/** Exactly six ASCII digits (spaces a user typed are removed by the caller's schema). */
export const isTotpCodeFormat = (code: string): boolean => /^[0-9]{6}$/.test(code);

function sameDigits(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * The step (now-1, now or now+1) whose code `code` is, or null. Every
 * candidate is computed and compared in constant time, whichever matches.
 */
export function matchingStep(key: Uint8Array, code: string, now: Date): number | null {
  if (!isTotpCodeFormat(code)) return null;
  const current = stepAt(now);
  let found: number | null = null;
  for (let step = current - TOTP_DRIFT_STEPS; step <= current + TOTP_DRIFT_STEPS; step++) {
    if (sameDigits(generateHOTP(key, BigInt(step), TOTP_DIGITS), code) && found === null) found = step;
  }
  return found;
}

/** The code of `now` (tests and tools; the server never needs to hand one out). */
export const totpCodeAt = (key: Uint8Array, now: Date): string => generateHOTP(key, BigInt(stepAt(now)), TOTP_DIGITS);
