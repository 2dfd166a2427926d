/**
 * Who may know whom. A person's name and email are shown only to people who
 * already share an org with them (groups live inside orgs, so sharing a group
 * means sharing its org) and to themselves. Everyone else is a stranger: the
 * API neither names them nor tells whether an email address has an account.
 * Org membership needs the member's consent (invitations), so "shares an org
 * with" is a circle each person chose to join.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';

/** Of `userIds`, those `callerId` may know by name and email (the caller included). */
export async function knownPeople(db: Database, callerId: string, userIds: readonly string[]): Promise<Set<string>> {
  const others = [...new Set(userIds)].filter((id) => id !== callerId);
  const known = new Set<string>(userIds.includes(callerId) ? [callerId] : []);
  if (others.length === 0) return known;
  const result = await db.execute(sql`
    select distinct theirs.user_id from org_members mine
    join org_members theirs on theirs.org_id = mine.org_id
    where mine.user_id = ${callerId}
      and theirs.user_id in (${sql.join(
        others.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`);
  for (const row of rowsOf<{ user_id: string }>(result)) known.add(row.user_id);
  return known;
}

/**
 * The enabled account with this email (any case) that shares an org with the
 * caller, or null. One statement whatever the answer, so an unknown address
 * and a stranger's look alike to the caller, in the answer and in its timing
 * class.
 */
export async function knownPersonByEmail(db: Database, callerId: string, email: string): Promise<string | null> {
  const result = await db.execute(sql`
    select u.id from users u
    where lower(u.email) = lower(${email}) and u.disabled_at is null
      and exists (
        select 1 from org_members mine
        join org_members theirs on theirs.org_id = mine.org_id
        where mine.user_id = ${callerId} and theirs.user_id = u.id)
    limit 1`);
  return rowsOf<{ id: string }>(result)[0]?.id ?? null;
}

/** The caller's own email, lower-cased (null when the account is gone). */
export async function ownEmail(db: Database, userId: string): Promise<string | null> {
  const result = await db.execute(sql`select lower(email) as email from users where id = ${userId}`);
  return rowsOf<{ email: string }>(result)[0]?.email ?? null;
}
