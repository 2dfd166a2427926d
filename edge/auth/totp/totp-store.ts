/**
 * The TOTP factor's rows (`user_totp`, `recovery_codes`). Every decision that
 * must not race is one statement: an accepted code moves `last_used_step`
 * forward only if it is later than the last accepted one, and a recovery
 * code is marked used only if it was unused.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../../shared/db/database.ts';
import { recoveryCodes, userTotp } from '../../../shared/db/schema.ts';

export interface TotpRow {
  secretSealed: string;
  confirmed: boolean;
}

export async function loadTotp(db: Database, userId: string): Promise<TotpRow | undefined> {
  const [row] = await db
    .select({ secretSealed: userTotp.secretSealed, confirmedAt: userTotp.confirmedAt })
    .from(userTotp)
    .where(eq(userTotp.userId, userId))
    .limit(1);
  return row && { secretSealed: row.secretSealed, confirmed: row.confirmedAt !== null };
}

/** Whether the user's account asks for a second factor at login. */
export async function hasConfirmedTotp(db: Database, userId: string): Promise<boolean> {
  return (await loadTotp(db, userId))?.confirmed === true;
}

/**
 * Starts (or restarts) an enrolment with a new sealed secret. Refused (false)
 * when the factor is already confirmed: disable it first.
 */
export async function startEnrolment(db: Database, userId: string, secretSealed: string): Promise<boolean> {
  const rows = await db
    .insert(userTotp)
    .values({ userId, secretSealed })
    .onConflictDoUpdate({
      target: userTotp.userId,
      set: { secretSealed, createdAt: sql`now()`, lastUsedStep: null },
      setWhere: isNull(userTotp.confirmedAt),
    })
    .returning({ userId: userTotp.userId });
  return rows.length === 1;
}

/**
 * Records `step` as used, if it is later than the last used step; with
 * `confirm`, only for an unconfirmed enrolment, which it confirms; without,
 * only for a confirmed factor. False: the step was used already (a replay)
 * or the factor is not in the expected state.
 */
export async function acceptStep(db: Database, userId: string, step: number, confirm: boolean): Promise<boolean> {
  const rows = await db
    .update(userTotp)
    .set({ lastUsedStep: step, ...(confirm ? { confirmedAt: sql`now()` } : {}) })
    .where(
      and(
        eq(userTotp.userId, userId),
        confirm ? isNull(userTotp.confirmedAt) : sql`${userTotp.confirmedAt} is not null`,
        sql`(${userTotp.lastUsedStep} is null or ${userTotp.lastUsedStep} < ${step})`,
      ),
    )
    .returning({ userId: userTotp.userId });
  return rows.length === 1;
}

/** Replaces the user's recovery codes with these hashes. */
export async function replaceRecoveryCodes(db: Database, userId: string, hashes: string[]): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await db.insert(recoveryCodes).values(hashes.map((codeHash) => ({ userId, codeHash })));
}

/** Marks an unused recovery code used; false when there is no such unused code. */
export async function useRecoveryCode(db: Database, userId: string, codeHash: string): Promise<boolean> {
  const rows = await db
    .update(recoveryCodes)
    .set({ usedAt: sql`now()` })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, codeHash), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id });
  return rows.length === 1;
}

export async function recoveryCodesLeft(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return Number(row?.n ?? 0);
}

/** Removes the factor and its recovery codes. */
export async function removeTotp(db: Database, userId: string): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await db.delete(userTotp).where(eq(userTotp.userId, userId));
}
