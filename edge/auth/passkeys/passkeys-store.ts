/**
 * The `passkeys` rows. A credential id is unique across all users (the
 * index refuses a second registration of the same authenticator key). The
 * counter moves only forward, in one statement, so two racing assertions
 * with the same counter cannot both pass.
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Database } from '../../../shared/db/database.ts';
import { passkeys } from '../../../shared/db/schema.ts';

export type PasskeyRow = typeof passkeys.$inferSelect;

/** At most this many passkeys per account. */
export const MAX_PASSKEYS = 20;

export async function listPasskeys(db: Database, userId: string): Promise<PasskeyRow[]> {
  return db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt)).limit(MAX_PASSKEYS);
}

export async function passkeyCount(db: Database, userId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId));
  return Number(row?.n ?? 0);
}

export async function findByCredentialId(db: Database, credentialId: string): Promise<PasskeyRow | undefined> {
  const [row] = await db.select().from(passkeys).where(eq(passkeys.credentialId, credentialId)).limit(1);
  return row;
}

/** Inserts a passkey; undefined when its credential id is registered already (to anyone). */
export async function insertPasskey(db: Database, row: typeof passkeys.$inferInsert): Promise<PasskeyRow | undefined> {
  const [inserted] = await db.insert(passkeys).values(row).onConflictDoNothing({ target: passkeys.credentialId }).returning();
  return inserted;
}

export async function renamePasskey(db: Database, userId: string, id: string, name: string): Promise<PasskeyRow | undefined> {
  const [row] = await db
    .update(passkeys)
    .set({ name })
    .where(and(eq(passkeys.userId, userId), eq(passkeys.id, id)))
    .returning();
  return row;
}

export async function deletePasskey(db: Database, userId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(passkeys)
    .where(and(eq(passkeys.userId, userId), eq(passkeys.id, id)))
    .returning({ id: passkeys.id });
  return rows.length === 1;
}

/**
 * Records a verified use: the new counter (only forward, or 0 again for an
 * authenticator that does not count), the last-used time and the backup
 * state. False when the counter moved meanwhile (a racing assertion).
 */
export async function recordUse(db: Database, id: string, counter: number, backedUp: boolean): Promise<boolean> {
  const rows = await db
    .update(passkeys)
    .set({ counter, backedUp, lastUsedAt: sql`now()` })
    .where(and(eq(passkeys.id, id), sql`(${passkeys.counter} < ${counter} or (${passkeys.counter} = 0 and ${counter} = 0))`))
    .returning({ id: passkeys.id });
  return rows.length === 1;
}
