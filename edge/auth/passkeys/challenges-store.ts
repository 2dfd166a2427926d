/**
 * WebAuthn challenges (`webauthn_challenges`): server-side, single use,
 * 5 minutes, bound to a purpose and (for registration and a login's second
 * step) to a user. The challenge value itself is the key: a verify reads it
 * back from the client data the authenticator signed, and consumes it in one
 * statement before the response is checked, so a refused response also
 * spends it and no challenge is ever accepted twice (two racing verifies:
 * one update wins).
 */
import { base64url } from 'jose';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../../shared/db/database.ts';
import { webauthnChallenges } from '../../../shared/db/schema.ts';
import { AppError } from '../../errors.ts';

export type ChallengePurpose = 'register' | 'sign-in' | 'second-factor';
export const CHALLENGE_TTL_SECONDS = 5 * 60;

/** A new random challenge (32 bytes, base64url), stored for `purpose` and `userId`. */
export async function issueChallenge(db: Database, purpose: ChallengePurpose, userId: string | null): Promise<string> {
  const challenge = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  await db.insert(webauthnChallenges).values({
    challenge,
    purpose,
    userId,
    expiresAt: sql`now() + ${CHALLENGE_TTL_SECONDS} * interval '1 second'`,
  });
  return challenge;
}

/**
 * The challenge in a response's clientDataJSON (base64url JSON), or null when
 * it cannot be read. Only a lookup key: the verifier checks the client data in full.
 */
export function challengeOf(clientDataJSON: string): string | null {
  try {
    const data = JSON.parse(new TextDecoder().decode(base64url.decode(clientDataJSON))) as { challenge?: unknown };
    return typeof data.challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(data.challenge) ? data.challenge : null;
  } catch {
    return null;
  }
}

/**
 * Consumes `challenge` for `purpose` (and `userId`, or a challenge bound to no
 * user when null). @throws 400 `challenge_replayed` when it was used,
 * `challenge_expired` when it is past its time, unknown, or bound to another
 * purpose or user.
 */
export async function consumeChallenge(
  db: Database,
  challenge: string | null,
  purpose: ChallengePurpose,
  userId: string | null,
): Promise<void> {
  const expired = () => new AppError('challenge_expired', 'This passkey request has expired or is not valid. Start again.');
  if (challenge === null) throw expired();
  const bound = and(
    eq(webauthnChallenges.challenge, challenge),
    eq(webauthnChallenges.purpose, purpose),
    userId === null ? isNull(webauthnChallenges.userId) : eq(webauthnChallenges.userId, userId),
  );
  const used = await db
    .update(webauthnChallenges)
    .set({ consumedAt: sql`now()` })
    .where(and(bound, isNull(webauthnChallenges.consumedAt), sql`${webauthnChallenges.expiresAt} > now()`))
    .returning({ challenge: webauthnChallenges.challenge });
  if (used.length === 1) return;
  const [row] = await db.select({ consumedAt: webauthnChallenges.consumedAt }).from(webauthnChallenges).where(bound).limit(1);
  if (row?.consumedAt) throw new AppError('challenge_replayed', 'This passkey request was already used. Start again.');
  throw expired();
}
