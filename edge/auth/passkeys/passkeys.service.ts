/**
 * Passkeys with @simplewebauthn/server: options out, responses in. Every
 * response is checked against a challenge this server issued and consumes
 * it first (./challenges-store.ts), against the relying party's origins and
 * RP ID (./relying-party.ts), and with user verification required: a
 * passkey proves possession of the authenticator and the user's PIN or
 * biometric, so a passkey sign-in alone counts as two factors.
 *
 * Refusals (each its own code, nothing changed but the spent challenge and
 * the attempt counters): `challenge_expired` / `challenge_replayed` (400),
 * `passkey_invalid` (403: wrong origin or RP ID, bad signature, no user
 * verification), `passkey_counter_regressed` (403, logged as a warning: the
 * authenticator's counter did not move forward, a sign of a cloned key),
 * `unauthorized` (401: a credential not registered, or another user's).
 */
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { base64url } from 'jose';
import type { Database } from '../../../shared/db/database.ts';
import type { RequestMeta } from '../../api/request-context.ts';
import { userEvent, writeAudit } from '../../audit/write-audit.ts';
import { AppError } from '../../errors.ts';
import { type ChallengePurpose, CHALLENGE_TTL_SECONDS, challengeOf, consumeChallenge, issueChallenge } from './challenges-store.ts';
import { findByCredentialId, listPasskeys, MAX_PASSKEYS, type PasskeyRow } from './passkeys-store.ts';
import type { RelyingParty } from './relying-party.ts';

/** EdDSA, ES256, RS256. */
const ALGORITHMS = [-8, -7, -257];
const TIMEOUT_MS = CHALLENGE_TTL_SECONDS * 1000;

/** The WebAuthn user handle of a user: the 16 bytes of the id (no email or name in it). */
export const userHandleOf = (userId: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(
    userId
      .replace(/-/g, '')
      .match(/../g)!
      .map((h) => Number.parseInt(h, 16)),
  );

/** base64url → bytes backed by a plain ArrayBuffer (what the library's types ask). */
const bytesOf = (b64: string): Uint8Array<ArrayBuffer> => new Uint8Array(base64url.decode(b64));

const transportsOf = (row: PasskeyRow) => row.transports as AuthenticatorTransportFuture[];
type AuthenticatorTransportFuture = 'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb';

const invalid = (why: unknown, requestId: string) => {
  // The verifier's reason goes to the log only; the client learns the class.
  console.log(JSON.stringify({ level: 'info', msg: 'passkey response refused', why: String(why).slice(0, 200), requestId }));
  return new AppError('passkey_invalid', 'The passkey response could not be verified for this site.');
};
const notRegistered = () => new AppError('unauthorized', 'This passkey is not registered for this account.');

/** Options for navigator.credentials.create(): a discoverable credential with user verification, none of the user's existing ones. */
export async function registrationOptions(db: Database, rp: RelyingParty, user: { id: string; email: string; name: string }) {
  const existing = await listPasskeys(db, user.id);
  if (existing.length >= MAX_PASSKEYS) throw new AppError('conflict', `At most ${MAX_PASSKEYS} passkeys; remove one first.`);
  const challenge = await issueChallenge(db, 'register', user.id);
  return generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userName: user.email,
    userDisplayName: user.name,
    userID: userHandleOf(user.id),
    challenge: bytesOf(challenge),
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

/** Checks a registration response against the user's registration challenge (consumed either way). */
export async function verifyRegistration(
  db: Database,
  rp: RelyingParty,
  userId: string,
  response: RegistrationResponseJSON,
  requestId: string,
) {
  const challenge = challengeOf(response.response.clientDataJSON);
  await consumeChallenge(db, challenge, 'register', userId);
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge!,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch (err) {
    throw invalid(err, requestId);
  }
  if (!result.verified) throw invalid('not verified', requestId);
  const info = result.registrationInfo;
  return {
    credentialId: info.credential.id,
    publicKey: base64url.encode(info.credential.publicKey),
    counter: info.credential.counter,
    transports: info.credential.transports ?? response.response.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
  };
}

/**
 * Options for navigator.credentials.get(): for a sign-in, no allowCredentials
 * (the authenticator offers its discoverable credentials for this RP); for a
 * login's second step, the user's passkeys.
 */
export async function authenticationOptions(db: Database, rp: RelyingParty, purpose: 'sign-in' | 'second-factor', userId: string | null) {
  const allow = userId === null ? [] : await listPasskeys(db, userId);
  if (userId !== null && allow.length === 0) throw new AppError('conflict', 'This account has no passkey.');
  const challenge = await issueChallenge(db, purpose, userId);
  return generateAuthenticationOptions({
    rpID: rp.rpId,
    challenge: bytesOf(challenge),
    timeout: TIMEOUT_MS,
    userVerification: 'required',
    allowCredentials: allow.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
  });
}

export interface VerifiedAssertion {
  passkey: PasskeyRow;
  /** The authenticator's new signature counter (store it with recordUse). */
  counter: number;
  backedUp: boolean;
}

/**
 * Checks an assertion: its challenge (consumed first), its credential
 * (registered, and the expected user's when `userId` is given), then the
 * signature. `beforeSignature` runs once the credential's user is known
 * (the per-account attempt limit).
 */
export async function verifyAssertion(
  db: Database,
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  purpose: Exclude<ChallengePurpose, 'register'>,
  userId: string | null,
  requestId: string,
  beforeSignature?: (userId: string) => Promise<void>,
): Promise<VerifiedAssertion> {
  const challenge = challengeOf(response.response.clientDataJSON);
  await consumeChallenge(db, challenge, purpose, userId);
  const passkey = await findByCredentialId(db, response.id);
  if (!passkey || (userId !== null && passkey.userId !== userId)) throw notRegistered();
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== base64url.encode(userHandleOf(passkey.userId))) throw notRegistered();
  await beforeSignature?.(passkey.userId);
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge!,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      // Counter 0 here: the rule below is ours, with its own error code.
      credential: { id: passkey.credentialId, publicKey: bytesOf(passkey.publicKey), counter: 0, transports: transportsOf(passkey) },
      requireUserVerification: true,
    });
  } catch (err) {
    throw invalid(err, requestId);
  }
  if (!result.verified) throw invalid('not verified', requestId);
  const counter = result.authenticationInfo.newCounter;
  // A counting authenticator must count up; equal or lower means two copies of the key exist.
  if ((counter > 0 || passkey.counter > 0) && counter <= passkey.counter) throw counterRegressed(passkey, counter, requestId);
  return { passkey, counter, backedUp: result.authenticationInfo.credentialBackedUp };
}

/** The refusal of a counter that did not move forward (also when a racing assertion moved it first). */
export function counterRegressed(passkey: PasskeyRow, counter: number, requestId: string): AppError {
  console.log(
    JSON.stringify({
      level: 'warn',
      msg: 'passkey signature counter did not increase (cloned authenticator?)',
      passkeyId: passkey.id,
      stored: passkey.counter,
      received: counter,
      requestId,
    }),
  );
  return new AppError(
    'passkey_counter_regressed',
    'This passkey was refused: its signature counter went backwards. Remove it and register it again.',
  );
}

const AUDITED = new Set(['challenge_expired', 'challenge_replayed', 'passkey_invalid', 'passkey_counter_regressed', 'unauthorized']);

/** Runs `fn`; a refused passkey response is audited (`auth.passkey_failed`, outside any rolled-back transaction) and rethrown. */
export async function auditingPasskeyFailure<T>(
  db: Database,
  meta: RequestMeta,
  /** The user, or a function answering it once known (a sign-in learns it from the credential). */
  userId: string | null | (() => string | null),
  on: 'register' | 'sign-in' | 'second-factor',
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError && AUDITED.has(err.code)) {
      const who = typeof userId === 'function' ? userId() : userId;
      await writeAudit(db, meta, { action: 'auth.passkey_failed', ...userEvent(who), detail: { reason: err.code, on } });
    }
    throw err;
  }
}
