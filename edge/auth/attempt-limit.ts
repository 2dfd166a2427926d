/**
 * Login attempt limits that hold across isolates, locations and restarts:
 * fixed-window counters in the `rate_counters` table, one row per subject,
 * changed only by single atomic statements (no read-then-write race).
 *
 * A login first *reserves* an attempt on the client address and then on the
 * account (the upsert below returns the new count). Over the limit, the
 * login is refused with 429 before any password hashing. A successful login
 * gives the reservation back: the account counter is cleared and the address
 * counter decremented, so only failures (and refused attempts) count, and
 * concurrent guesses cannot slip past the limit between a check and a write.
 *
 * Account keys use a hash of the lower-cased email, so the table holds no
 * addresses in clear, and work for emails with no account too (an attacker
 * cannot tell the two apart by the limit either).
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { sha256Base64Url } from '../../shared/crypto/sha256.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';

export interface AttemptLimit {
  /** Attempts allowed per window. */
  max: number;
  windowSeconds: number;
}

/** 5 failed logins per account per 15 minutes (OWASP's range is 3-10). */
export const ACCOUNT_LIMIT: AttemptLimit = { max: 5, windowSeconds: 15 * 60 };
/** 20 failed logins per client address per 15 minutes (covers a shared office NAT, stops spraying). */
export const ADDRESS_LIMIT: AttemptLimit = { max: 20, windowSeconds: 15 * 60 };

export const accountKey = async (email: string): Promise<string> => `login:acct:${await sha256Base64Url(email.toLowerCase())}`;
export const addressKey = (clientKey: string): string => `login:ip:${clientKey}`;

export interface Hit {
  count: number;
  /** Seconds until the window ends (at least 1). */
  retryAfter: number;
}

/**
 * The upsert that counts one attempt on `key` in its current window (a new
 * window starts at 1), returning the count and the seconds left; `onlyIf`
 * skips the insert (no row returned) unless it holds.
 */
function countAttempt(key: string, limit: AttemptLimit, onlyIf?: SQL) {
  const window = sql`${limit.windowSeconds} * interval '1 second'`;
  return sql`
    insert into rate_counters as rc (key, window_start, count) select ${key}, now(), 1 ${onlyIf ? sql`where ${onlyIf}` : sql``}
    on conflict (key) do update set
      window_start = case when rc.window_start <= now() - ${window} then now() else rc.window_start end,
      count = case when rc.window_start <= now() - ${window} then 1 else rc.count + 1 end
    returning count, greatest(1, ceil(extract(epoch from (window_start + ${window} - now()))))::int as retry_after`;
}

/** Counts one attempt on `key` in its current window (a new window starts at 1) and returns the count. */
export async function hit(db: Database, key: string, limit: AttemptLimit): Promise<Hit> {
  const [row] = rowsOf<{ count: number; retry_after: number }>(await db.execute(countAttempt(key, limit)));
  if (!row) throw new Error('rate counter upsert returned no row');
  return { count: Number(row.count), retryAfter: Number(row.retry_after) };
}

/** Gives back one reserved attempt (a success), never below zero. */
export async function release(db: Database, key: string): Promise<void> {
  await db.execute(sql`update rate_counters set count = greatest(count - 1, 0) where key = ${key}`);
}

/** Clears a subject's counter (a successful login clears its account's failures). */
export async function reset(db: Database, key: string): Promise<void> {
  await db.execute(sql`delete from rate_counters where key = ${key}`);
}

export type LoginGate = { allowed: true; keys: { account: string; address: string } } | { allowed: false; retryAfter: number };

/**
 * Reserves one login attempt for the address, then for the account. The
 * account is not charged when the address is already over its limit, so an
 * attacker's blocked address cannot lock other people's accounts.
 */
export async function reserveLoginAttempt(db: Database, email: string, clientKey: string): Promise<LoginGate> {
  const address = addressKey(clientKey);
  const account = await accountKey(email);
  // One statement (one round trip to the region): the account's upsert runs only when the
  // address's new count is within its limit (a data-modifying CTE reads the other's RETURNING).
  const result = await db.execute(sql`
    with addr as (${countAttempt(address, ADDRESS_LIMIT)}),
    acct as (${countAttempt(account, ACCOUNT_LIMIT, sql`(select count from addr) <= ${ADDRESS_LIMIT.max}`)})
    select addr.count as addr_count, addr.retry_after as addr_retry, acct.count as acct_count, acct.retry_after as acct_retry
    from addr left join acct on true`);
  const [row] = rowsOf<{ addr_count: number; addr_retry: number; acct_count: number | null; acct_retry: number | null }>(result);
  if (!row) throw new Error('rate counter upsert returned no row');
  if (Number(row.addr_count) > ADDRESS_LIMIT.max) return { allowed: false, retryAfter: Number(row.addr_retry) };
  if (Number(row.acct_count) > ACCOUNT_LIMIT.max) return { allowed: false, retryAfter: Number(row.acct_retry) };
  return { allowed: true, keys: { account, address } };
}

/** After a successful login: the account's failures are forgotten and the address gets its attempt back (one statement). */
export async function loginSucceeded(db: Database, keys: { account: string; address: string }): Promise<void> {
  await db.execute(sql`
    with forgotten as (delete from rate_counters where key = ${keys.account})
    update rate_counters set count = greatest(count - 1, 0) where key = ${keys.address}`);
}
