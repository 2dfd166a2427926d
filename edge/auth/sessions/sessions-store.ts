/**
 * Signed-in sessions are refresh-token families (../refresh-tokens.ts): a
 * family is live while it has a token neither revoked nor expired (the rule
 * of ../live-session.ts). Created is its first token's time, last used its
 * newest token's (each refresh adds one), and the client is what the newest
 * token recorded.
 */
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../../../shared/db/database.ts';
import { refreshTokens } from '../../../shared/db/schema.ts';
import { rowsOf } from '../../../shared/db/sql-rows.ts';

export interface SessionRow {
  familyId: string;
  createdAt: Date;
  lastUsedAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/** The user's live sessions, the most recently used first. */
export async function liveSessions(db: Database, userId: string): Promise<SessionRow[]> {
  const result = await db.execute(sql`
    select family_id, min(created_at) as created_at, max(created_at) as last_used_at,
           (array_agg(user_agent order by created_at desc))[1] as user_agent,
           (array_agg(ip order by created_at desc))[1] as ip
    from refresh_tokens
    where user_id = ${userId}
    group by family_id
    having bool_or(revoked_at is null and expires_at > now())
    order by last_used_at desc
    limit 200`);
  return rowsOf<{
    family_id: string;
    created_at: string | Date;
    last_used_at: string | Date;
    user_agent: string | null;
    ip: string | null;
  }>(result).map((r) => ({
    familyId: r.family_id,
    createdAt: new Date(r.created_at),
    lastUsedAt: new Date(r.last_used_at),
    userAgent: r.user_agent,
    ip: r.ip,
  }));
}

/** Ends one of the user's sessions; false when it is not theirs or already ended. */
export async function endSession(db: Database, userId: string, familyId: string): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.userId, userId), eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length > 0;
}

/** Ends every session of the user but `keepFamilyId`; returns how many families ended. */
export async function endOtherSessions(db: Database, userId: string, keepFamilyId: string): Promise<number> {
  const rows = await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.userId, userId), ne(refreshTokens.familyId, keepFamilyId), isNull(refreshTokens.revokedAt)))
    .returning({ familyId: refreshTokens.familyId });
  return new Set(rows.map((r) => r.familyId)).size;
}
