/**
 * Attempt limits for share-link passwords, in the same database counters as
 * login limits (edge/auth/attempt-limit.ts): per client address first, then
 * per link, reserved before any hashing. A client over its limit does not
 * charge the link, so one noisy client cannot lock a link for everyone; a
 * link guessed at from many addresses is still stopped by its own limit.
 * A success clears the link's failures and gives the client its attempt back.
 */
import type { Database } from '../../shared/db/database.ts';
import { hit, release, reset, type AttemptLimit } from '../auth/attempt-limit.ts';

/** 10 failed unlocks per client address per 15 minutes. */
export const UNLOCK_CLIENT_LIMIT: AttemptLimit = { max: 10, windowSeconds: 15 * 60 };
/** 20 failed unlocks per link per 15 minutes, from all clients together. */
export const UNLOCK_LINK_LIMIT: AttemptLimit = { max: 20, windowSeconds: 15 * 60 };

export const unlockClientKey = (clientKey: string) => `share-unlock:ip:${clientKey}`;
export const unlockLinkKey = (linkId: string) => `share-unlock:link:${linkId}`;

export type UnlockGate = { allowed: true; keys: { client: string; link: string } } | { allowed: false; retryAfter: number };

export async function reserveUnlockAttempt(db: Database, linkId: string, clientKey: string): Promise<UnlockGate> {
  const client = unlockClientKey(clientKey);
  const byClient = await hit(db, client, UNLOCK_CLIENT_LIMIT);
  if (byClient.count > UNLOCK_CLIENT_LIMIT.max) return { allowed: false, retryAfter: byClient.retryAfter };
  const link = unlockLinkKey(linkId);
  const byLink = await hit(db, link, UNLOCK_LINK_LIMIT);
  if (byLink.count > UNLOCK_LINK_LIMIT.max) return { allowed: false, retryAfter: byLink.retryAfter };
  return { allowed: true, keys: { client, link } };
}

export async function unlockSucceeded(db: Database, keys: { client: string; link: string }): Promise<void> {
  await reset(db, keys.link);
  await release(db, keys.client);
}
