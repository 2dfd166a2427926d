/**
 * Which second factors an account has: TOTP once confirmed
 * (./totp/totp-store.ts) and passkeys (./passkeys/passkeys-store.ts). Any
 * of them makes a password login answer 202 and ask for one
 * (./auth.routes.ts, ./totp/second-step.routes.ts).
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';

export type SecondFactorKind = 'totp' | 'passkey';

/** The account's second factors, TOTP first; none: the password alone signs in. One round trip. */
export async function secondFactorsOf(db: Database, userId: string): Promise<SecondFactorKind[]> {
  const [row] = rowsOf<{ totp: boolean; passkey: boolean }>(
    await db.execute(sql`
      select exists (select 1 from user_totp where user_id = ${userId} and confirmed_at is not null) as totp,
             exists (select 1 from passkeys where user_id = ${userId}) as passkey`),
  );
  return [...(row?.totp ? (['totp'] as const) : []), ...(row?.passkey ? (['passkey'] as const) : [])];
}
