/**
 * The user rows auth reads and writes. Emails are unique case-insensitively
 * (index on `lower(email)`), so every lookup goes through `lower()` and uses
 * that index.
 */
import { and, DrizzleQueryError, eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { users } from '../../shared/db/schema.ts';
import type { PublicUser } from './schemas.ts';

export type UserRow = typeof users.$inferSelect;

export type { PublicUser };

export function publicUser(row: UserRow): PublicUser {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.createdAt.toISOString() };
}

export async function findUserByEmail(db: Database, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`).limit(1);
  return row;
}

/**
 * Inserts a user unless the email is taken (atomically, by the unique
 * index): returns the row, or undefined when the email exists.
 */
export async function insertUserIfNew(
  db: Database,
  user: { id: string; email: string; name: string; passwordHash: string },
): Promise<UserRow | undefined> {
  const [row] = await db.insert(users).values(user).onConflictDoNothing().returning().catch(withoutParams);
  return row;
}

export async function findUserById(db: Database, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

/**
 * Sets a new hash only if the stored one is still `expected` (compare and
 * swap): two concurrent password changes cannot both pass the check of the
 * same current password. Returns whether the row changed.
 */
export async function replacePasswordHash(db: Database, userId: string, expected: string, passwordHash: string): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ passwordHash, updatedAt: sql`now()` })
    .where(and(eq(users.id, userId), eq(users.passwordHash, expected)))
    .returning({ id: users.id })
    .catch(withoutParams);
  return rows.length === 1;
}

export async function updatePasswordHash(db: Database, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(eq(users.id, userId)).catch(withoutParams);
}

/**
 * drizzle puts a failed query's parameters in its error message, and the
 * error handler logs messages: for queries that carry a password hash, keep
 * the statement and the driver's own error, drop the parameters.
 */
function withoutParams(err: unknown): never {
  if (err instanceof DrizzleQueryError) throw new Error(`Failed query: ${err.query}`, { cause: err.cause });
  throw err;
}
