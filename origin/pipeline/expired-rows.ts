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

/**
 * Deletes at most `batch` rows of `table` whose `column` is before `cutoff`
 * (picked by their key `key`, so the limit applies); how many went.
 */
async function deleteBefore(
  db: Database,
  rows: { table: string; key: string; column: string },
  cutoff: Date,
  batch: number,
): Promise<number> {
  const table = sql.identifier(rows.table);
  const key = sql.identifier(rows.key);
  const column = sql.identifier(rows.column);
  const result = await db.execute(sql`
    with gone as (
      delete from ${table} where ${key} in (
        select ${key} from ${table} where ${column} < ${cutoff.toISOString()}::timestamptz limit ${batch})
      returning 1)
    select count(*)::int as n from gone`);
  return countOf(result);
}

export async function sweepExpiredRows(deps: { db: Database; now: () => Date }, batch = EXPIRED_ROWS_BATCH): Promise<ExpiredRowsResult> {
  const now = deps.now().getTime();
  const before = (retentionMs: number) => new Date(now - retentionMs);
  return {
    rateCounters: await deleteBefore(
      deps.db,
      { table: 'rate_counters', key: 'key', column: 'window_start' },
      before(COUNTER_RETENTION_MS),
      batch,
    ),
    refreshTokens: await deleteBefore(
      deps.db,
      { table: 'refresh_tokens', key: 'id', column: 'expires_at' },
      before(REFRESH_TOKEN_RETENTION_MS),
      batch,
    ),
    webauthnChallenges: await deleteBefore(
      deps.db,
      { table: 'webauthn_challenges', key: 'challenge', column: 'expires_at' },
      before(CHALLENGE_RETENTION_MS),
      batch,
    ),
  };
}
