/**
 * API key rows. Keys are revoked (a timestamp), never deleted, so the list
 * keeps their history and the prefix can never be reused.
 */
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../../shared/db/database.ts';
import { apiKeys, users } from '../../../shared/db/schema.ts';
import type { Scope } from './key-format.ts';

/** At most this many unrevoked keys per user. */
export const MAX_LIVE_KEYS = 50;
/** last_used_at is written at most this often per key (no write per request). */
export const LAST_USED_RESOLUTION_SECONDS = 60;

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Live (unrevoked) keys of the user: the cap is checked before an insert (a guard against runaway scripts, not a quota). */
export async function liveKeyCount(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(apiKeys)
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)));
  return Number(row?.n ?? 0);
}

export async function insertApiKey(
  db: Database,
  input: { userId: string; name: string; prefix: string; secretHash: string; scopes: Scope[]; expiresAt: Date | null },
): Promise<ApiKeyRow> {
  const [row] = await db.insert(apiKeys).values(input).returning();
  return row!;
}

export async function listApiKeys(db: Database, userId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt)).limit(200);
}

/** Revokes one of the user's keys; false when it is not theirs or already revoked. */
export async function revokeApiKey(db: Database, userId: string, id: string): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length === 1;
}

export interface KeyLookup {
  id: string;
  userId: string;
  secretHash: string;
  scopes: string[];
  /** Unrevoked, unexpired, and its user is not disabled. */
  usable: boolean;
  /** last_used_at is older than the resolution (or unset): the caller should touch it. */
  stale: boolean;
}

/** The key with this prefix and whether it may be used now: one indexed query. */
export async function findKeyByPrefix(db: Database, prefix: string): Promise<KeyLookup | undefined> {
  const [row] = await db
    .select({
      id: apiKeys.id,
      userId: apiKeys.userId,
      secretHash: apiKeys.secretHash,
      scopes: apiKeys.scopes,
      usable: sql<boolean>`(${apiKeys.revokedAt} is null and (${apiKeys.expiresAt} is null or ${apiKeys.expiresAt} > now()) and ${users.disabledAt} is null)`,
      stale: sql<boolean>`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < now() - ${LAST_USED_RESOLUTION_SECONDS} * interval '1 second')`,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.prefix, prefix))
    .limit(1);
  return row;
}

/** Records a use (only when the last recorded one is older than the resolution: at most one write per key per minute). */
export async function touchApiKey(db: Database, id: string): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.id, id),
        sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < now() - ${LAST_USED_RESOLUTION_SECONDS} * interval '1 second')`,
      ),
    );
}
