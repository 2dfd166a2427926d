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
import { sql } from 'drizzle-orm';
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

/** Counts one attempt on `key` in its current window (a new window starts at 1) and returns the count. */
export async function hit(db: Database, key: string, limit: AttemptLimit): Promise<Hit> {
  const window = sql`${limit.windowSeconds} * interval '1 second'`;
  const result = await db.execute(sql`
    insert into rate_counters as rc (key, window_start, count) values (${key}, now(), 1)
    on conflict (key) do update set
      window_start = case when rc.window_start <= now() - ${window} then now() else rc.window_start end,
      count = case when rc.window_start <= now() - ${window} then 1 else rc.count + 1 end
    returning count, greatest(1, ceil(extract(epoch from (window_start + ${window} - now()))))::int as retry_after`);
  const [row] = rowsOf<{ count: number; retry_after: number }>(result);
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
  const byAddress = await hit(db, address, ADDRESS_LIMIT);
  if (byAddress.count > ADDRESS_LIMIT.max) return { allowed: false, retryAfter: byAddress.retryAfter };
  const account = await accountKey(email);
  const byAccount = await hit(db, account, ACCOUNT_LIMIT);
  if (byAccount.count > ACCOUNT_LIMIT.max) return { allowed: false, retryAfter: byAccount.retryAfter };
  return { allowed: true, keys: { account, address } };
}

/** After a successful login: the account's failures are forgotten and the address gets its attempt back. */
export async function loginSucceeded(db: Database, keys: { account: string; address: string }): Promise<void> {
  await reset(db, keys.account);
  await release(db, keys.address);
}
