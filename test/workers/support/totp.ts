/**
 * For the 2FA suites: compute codes the way an authenticator app does (from
 * the base32 secret the enrolment answered), and enrol a registered user.
 */
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateHOTP } from '@oslojs/otp';
import { expect } from 'vitest';
import { call, type Registered } from './auth.ts';

/** The TOTP code of `secret` at `now` shifted by `steps` 30-second steps. */
export function codeOf(secret: string, steps = 0, now = Date.now()): string {
  return generateHOTP(decodeBase32IgnorePadding(secret), BigInt(Math.floor(now / 30_000) + steps), 6);
}

export interface Enrolled {
  secret: string;
  recoveryCodes: string[];
  /** The step whose code confirmed the enrolment (used: it cannot log in again). */
  usedStep: number;
}

/** Enrols and confirms TOTP for `reg` with the current code. */
export async function enrol(reg: Registered): Promise<Enrolled> {
  const started = await call('/api/auth/totp/enrol', { method: 'POST', token: reg.accessToken });
  expect(started.status, await started.clone().text()).toBe(200);
  const { secret } = (await started.json()) as { secret: string };
  const usedStep = Math.floor(Date.now() / 30_000);
  const confirmed = await call('/api/auth/totp/confirm', { token: reg.accessToken, json: { code: codeOf(secret) } });
  expect(confirmed.status, await confirmed.clone().text()).toBe(200);
  const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
  return { secret, recoveryCodes, usedStep };
}

/** A code of `secret` for a step after `usedStep` (the next one: ±1 step is accepted). */
export const freshCode = (secret: string, usedStep: number): string => {
  const now = Math.floor(Date.now() / 30_000);
  return codeOf(secret, now > usedStep ? 0 : usedStep + 1 - now);
};

/** Password step of a 2FA login: the challenge token. */
export async function challenge(email: string, password: string, ip?: string): Promise<string> {
  const res = await call('/api/auth/login', { json: { email, password }, ...(ip ? { ip } : {}) });
  const text = await res.text();
  expect(res.status, text).toBe(202);
  expect(res.headers.get('set-cookie')).toBeNull();
  return (JSON.parse(text) as { challengeToken: string }).challengeToken;
}
