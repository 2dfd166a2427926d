/**
 * Rows that only ever accumulate: login/unlock attempt counters whose window
 * ended long ago, and refresh tokens past their expiry (a live session's
 * newest token is never expired; older rows of its family exist for reuse
 * detection, which an expired token no longer needs — it is refused anyway),
 * and WebAuthn challenges past their 5 minutes (used or not; a day's grace
 * keeps recent ones for a look at a replay's refusal).
 * Run by the scheduled sweeper, in bounded batches so one run stays short.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';

/** Longer than any attempt-limit window (15 minutes, edge/auth/attempt-limit.ts). */
export const COUNTER_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Expired refresh tokens are kept a day longer, for the audit trail of late reuse attempts. */
export const REFRESH_TOKEN_RETENTION_MS = 24 * 60 * 60 * 1000;
/** WebAuthn challenges live 5 minutes (edge/auth/passkeys/challenges-store.ts); kept a day past that. */
export const CHALLENGE_RETENTION_MS = 24 * 60 * 60 * 1000;
export const EXPIRED_ROWS_BATCH = 10_000;

export interface ExpiredRowsResult {
  rateCounters: number;
  refreshTokens: number;
  webauthnChallenges: number;
}

const countOf = (result: unknown): number => {
  const rows = (result as { rows?: { n?: unknown }[] }).rows ?? (result as { n?: unknown }[]);
  return Number(rows?.[0]?.n ?? 0);
};

export async function sweepExpiredRows(deps: { db: Database; now: () => Date }, batch = EXPIRED_ROWS_BATCH): Promise<ExpiredRowsResult> {
  const now = deps.now().getTime();
  const counterCutoff = new Date(now - COUNTER_RETENTION_MS).toISOString();
  const tokenCutoff = new Date(now - REFRESH_TOKEN_RETENTION_MS).toISOString();
  const counters = await deps.db.execute(sql`
    with gone as (
      delete from rate_counters where key in (
        select key from rate_counters where window_start < ${counterCutoff}::timestamptz limit ${batch})
      returning 1)
    select count(*)::int as n from gone`);
  const tokens = await deps.db.execute(sql`
    with gone as (
      delete from refresh_tokens where id in (
        select id from refresh_tokens where expires_at < ${tokenCutoff}::timestamptz limit ${batch})
      returning 1)
    select count(*)::int as n from gone`);
  const challengeCutoff = new Date(now - CHALLENGE_RETENTION_MS).toISOString();
  const challenges = await deps.db.execute(sql`
    with gone as (
      delete from webauthn_challenges where challenge in (
        select challenge from webauthn_challenges where expires_at < ${challengeCutoff}::timestamptz limit ${batch})
      returning 1)
    select count(*)::int as n from gone`);
  return { rateCounters: countOf(counters), refreshTokens: countOf(tokens), webauthnChallenges: countOf(challenges) };
}
