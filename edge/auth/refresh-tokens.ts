/**
 * Refresh tokens: 32 random bytes (base64url), stored only as their SHA-256,
 * grouped in families. A login starts a family (its id is the access token's
 * `sid`); every refresh marks the presented token used and issues its
 * successor in the same family, with a fresh 30-day life (sliding).
 *
 * Presenting a token that was already used means two parties hold the same
 * family (the token was copied): the whole family is revoked, so both the
 * thief and the victim must log in again (token theft detection, OAuth 2.0
 * Security BCP section 4.14). There is no grace window for concurrent
 * refreshes; a client must refresh single-flight (one refresh at a time
 * across its tabs).
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { refreshTokens } from '../../shared/db/schema.ts';
import { base64url } from 'jose';
import { sha256Base64Url } from '../../shared/crypto/sha256.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import type { RequestMeta } from '../api/request-context.ts';

/** Idle lifetime of a session: each refresh extends it by this much. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** A new random refresh token (256 bits). */
export function newRefreshToken(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
}

/** Whether a cookie value can be a refresh token at all (checked before any hashing or query). */
export function isRefreshTokenFormat(value: string | undefined): value is string {
  return value !== undefined && TOKEN_FORMAT.test(value);
}

/** The client a session was started or refreshed from (edge/api/request-context.ts). */
export type ClientMeta = Pick<RequestMeta, 'userAgent' | 'ip'>;

/** Stores a token (its hash) in a family. */
export async function storeRefreshToken(
  db: Database,
  input: { userId: string; familyId: string; token: string; meta: ClientMeta },
): Promise<void> {
  await db.insert(refreshTokens).values({
    userId: input.userId,
    familyId: input.familyId,
    tokenHash: await sha256Base64Url(input.token),
    expiresAt: sql`now() + ${REFRESH_TOKEN_TTL_SECONDS} * interval '1 second'`,
    userAgent: input.meta.userAgent?.slice(0, 512) ?? null,
    ip: input.meta.ip,
  });
}

export type RotateResult =
  | { kind: 'rotated'; userId: string; familyId: string; token: string }
  /** The token had already been used: its family is now revoked. */
  | { kind: 'reused'; userId: string; familyId: string }
  /** Unknown, expired, revoked, or its user is disabled. */
  | { kind: 'refused'; userId?: string; familyId?: string };

/**
 * Exchanges a refresh token for its successor in one statement: the old row
 * is marked used and the new row inserted, only if the old one is unused,
 * unrevoked and unexpired and its user is not disabled. Under Postgres' row
 * lock two concurrent refreshes with one token cannot both win: the second
 * sees it used, which is a replay.
 */
export async function rotateRefreshToken(db: Database, token: string, meta: ClientMeta): Promise<RotateResult> {
  const oldHash = await sha256Base64Url(token);
  const next = newRefreshToken();
  const nextHash = await sha256Base64Url(next);
  const nextId = crypto.randomUUID();
  const rotated = await db.execute(sql`
    with old as (
      update refresh_tokens rt set used_at = now(), replaced_by = ${nextId}
      from users u
      where rt.token_hash = ${oldHash} and rt.used_at is null and rt.revoked_at is null and rt.expires_at > now()
        and u.id = rt.user_id and u.disabled_at is null
      returning rt.user_id, rt.family_id
    )
    insert into refresh_tokens (id, user_id, family_id, token_hash, expires_at, user_agent, ip)
    select ${nextId}, old.user_id, old.family_id, ${nextHash},
           now() + ${REFRESH_TOKEN_TTL_SECONDS} * interval '1 second', ${meta.userAgent?.slice(0, 512) ?? null}, ${meta.ip}
    from old
    returning user_id, family_id`);
  const [row] = rowsOf<{ user_id: string; family_id: string }>(rotated);
  if (row) return { kind: 'rotated', userId: row.user_id, familyId: row.family_id, token: next };

  // Not exchanged: find out why, and revoke the family if the token was replayed.
  const [old] = await db
    .select({
      userId: refreshTokens.userId,
      familyId: refreshTokens.familyId,
      usedAt: refreshTokens.usedAt,
      revokedAt: refreshTokens.revokedAt,
    })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, oldHash))
    .limit(1);
  if (!old) return { kind: 'refused' };
  if (old.usedAt !== null && old.revokedAt === null) {
    await revokeFamily(db, old.familyId);
    return { kind: 'reused', userId: old.userId, familyId: old.familyId };
  }
  return { kind: 'refused', userId: old.userId, familyId: old.familyId };
}

/** The family a token belongs to, if the token is known. */
export async function familyOf(db: Database, token: string): Promise<{ userId: string; familyId: string } | undefined> {
  const [row] = await db
    .select({ userId: refreshTokens.userId, familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, await sha256Base64Url(token)))
    .limit(1);
  return row;
}

/** Revokes every token of a family (logout, theft detection). Returns how many were still live. */
export async function revokeFamily(db: Database, familyId: string): Promise<number> {
  const revoked = await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return revoked.length;
}

/**
 * Revokes every live token of every family of a user (a password change
 * ends all sessions). Returns the ids of the families that were still live.
 */
export async function revokeUserSessions(db: Database, userId: string): Promise<string[]> {
  const revoked = await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
    .returning({ familyId: refreshTokens.familyId });
  return [...new Set(revoked.map((r) => r.familyId))];
}
