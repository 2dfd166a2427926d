/**
 * Checking a second factor: a TOTP code (six digits, ±1 step, each step
 * accepted once) or a recovery code (once ever). Used by the login's second
 * step, by disabling the factor and by renewing recovery codes. Attempts are
 * limited like passwords (../attempt-limit.ts): 5 failures per account and
 * the login budget of the client address per 15 minutes; a success clears
 * the account's failures and gives the address its attempt back.
 */
import type { EdgeConfig } from '../../../shared/config.ts';
import type { Database } from '../../../shared/db/database.ts';
import type { RequestMeta } from '../../api/request-context.ts';
import { userEvent, writeAudit } from '../../audit/write-audit.ts';
import { AppError, retryLater } from '../../errors.ts';
import { ACCOUNT_LIMIT, ADDRESS_LIMIT, addressKey, hit, release, reset } from '../attempt-limit.ts';
import { normalizeRecoveryCode, recoveryCodeHash } from './recovery-codes.ts';
import { openSecret } from './secret-box.ts';
import { matchingStep } from './totp-codes.ts';
import { acceptStep, loadTotp, useRecoveryCode } from './totp-store.ts';

export type SecondFactorInput = { code: string } | { recoveryCode: string };

/** The account's second-factor attempt counter (codes and passkey assertions share it). */
export const secondFactorAccountKey = (userId: string) => `2fa:acct:${userId}`;

export interface AttemptKeys {
  account: string;
  address: string;
}

/**
 * Reserves one attempt (run it outside the transaction that checks the code,
 * so a refused code still counts). @throws 429 when the account or the
 * address is over its limit.
 */
export async function reserveSecondFactorAttempt(db: Database, userId: string, clientKey: string): Promise<AttemptKeys> {
  const address = addressKey(clientKey);
  const byAddress = await hit(db, address, ADDRESS_LIMIT);
  if (byAddress.count > ADDRESS_LIMIT.max) throw retryLater('rate_limited', 'Too many attempts. Try again later.', byAddress.retryAfter);
  const account = secondFactorAccountKey(userId);
  const byAccount = await hit(db, account, ACCOUNT_LIMIT);
  if (byAccount.count > ACCOUNT_LIMIT.max) throw retryLater('rate_limited', 'Too many attempts. Try again later.', byAccount.retryAfter);
  return { account, address };
}

/**
 * Checks `input` against the user's confirmed factor and consumes it (the
 * TOTP step or the recovery code). Returns which kind was used.
 * @throws 403 `invalid_code` / `code_replayed`, 429 over the limit, 409 when the user has no confirmed factor.
 */
export async function consumeSecondFactor(
  db: Database,
  config: EdgeConfig,
  userId: string,
  input: SecondFactorInput,
  now: Date,
): Promise<'totp' | 'recovery'> {
  const totp = await loadTotp(db, userId);
  if (!totp?.confirmed) throw new AppError('conflict', 'Two-factor authentication is not enabled.');
  if ('recoveryCode' in input) {
    const ok =
      normalizeRecoveryCode(input.recoveryCode) !== null && (await useRecoveryCode(db, userId, await recoveryCodeHash(input.recoveryCode)));
    if (!ok) throw new AppError('invalid_code', 'The recovery code is not correct or was already used.');
  } else {
    const step = matchingStep(await openSecret(config, userId, totp.secretSealed), input.code, now);
    if (step === null) throw new AppError('invalid_code', 'The code is not correct.');
    if (!(await acceptStep(db, userId, step, false))) {
      throw new AppError('code_replayed', 'This code was already used. Wait for the next one.');
    }
  }
  return 'recoveryCode' in input ? 'recovery' : 'totp';
}

/**
 * Confirms a pending enrolment with a code of its secret (also counted
 * against the attempt limit). @throws 403 `invalid_code`, 409 without a pending enrolment.
 */
export async function confirmEnrolment(db: Database, config: EdgeConfig, userId: string, code: string, now: Date): Promise<void> {
  const totp = await loadTotp(db, userId);
  if (!totp || totp.confirmed) throw new AppError('conflict', 'There is no enrolment to confirm. Start one first.');
  const step = matchingStep(await openSecret(config, userId, totp.secretSealed), code, now);
  if (step === null || !(await acceptStep(db, userId, step, true))) throw new AppError('invalid_code', 'The code is not correct.');
}

/** After an accepted code: the account's failures are forgotten and the address gets its attempt back. */
export async function secondFactorSucceeded(db: Database, keys: AttemptKeys): Promise<void> {
  await reset(db, keys.account);
  await release(db, keys.address);
}

/**
 * Runs `fn` (the transaction that checks a code); a refused code is audited
 * (`auth.second_factor_failed`, outside the rolled-back transaction) and rethrown.
 */
export async function auditingCodeFailure<T>(
  db: Database,
  meta: RequestMeta,
  userId: string,
  on: 'login' | 'confirm' | 'renew' | 'disable',
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError && (err.code === 'invalid_code' || err.code === 'code_replayed')) {
      await writeAudit(db, meta, { action: 'auth.second_factor_failed', ...userEvent(userId), detail: { reason: err.code, on } });
    }
    throw err;
  }
}
