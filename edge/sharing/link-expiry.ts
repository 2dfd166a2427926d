/**
 * How long a share link lives. The resource's org sets a default and a
 * maximum (`orgs.share_link_default_ttl` / `share_link_max_ttl`, seconds);
 * a personal resource (no org) gets 7 days by default and 90 at most. A
 * requested life above the maximum is refused (400), not silently shortened:
 * the creator should know the link ends sooner than asked. Lives are
 * measured from the request, so an edit may extend a link again, never
 * beyond the maximum from that moment.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, collections, orgs } from '../../shared/db/schema.ts';
import type { ResourceRef } from './resource-access.ts';
import { validationFailed } from '../api/validation.ts';

export interface LinkTtlPolicy {
  defaultSeconds: number;
  maxSeconds: number;
  /** The org the rules come from, or null for a personal resource. */
  orgId: string | null;
}

export const PERSONAL_LINK_TTL = { defaultSeconds: 7 * 86400, maxSeconds: 90 * 86400 } as const;
/** The shortest life a new link may be given: a minute. */
export const MIN_LINK_TTL_SECONDS = 60;

export async function linkTtlPolicy(db: Database, ref: ResourceRef): Promise<LinkTtlPolicy> {
  const table = ref.type === 'asset' ? assets : collections;
  const [row] = await db
    .select({ orgId: orgs.id, defaultSeconds: orgs.shareLinkDefaultTtl, maxSeconds: orgs.shareLinkMaxTtl })
    .from(table)
    .innerJoin(orgs, eq(orgs.id, table.orgId))
    .where(eq(table.id, ref.id))
    .limit(1);
  return row ?? { ...PERSONAL_LINK_TTL, orgId: null };
}

export interface ExpiryInput {
  expiresInSeconds?: number | undefined;
  expiresAt?: Date | undefined;
}

const invalid = (field: string, code: string, message: string) =>
  validationFailed([{ field, code, message }], 'The request body is invalid.');

/**
 * The expiry for a new link (`past: 'refuse'`) or an edited one (`past:
 * 'allow'`: an expiry at or before now ends the link at once). Undefined when
 * an edit does not touch the expiry.
 * @throws 400 naming the field when the life is beyond the policy's maximum, or too short for a new link.
 */
export function chooseExpiry(policy: LinkTtlPolicy, input: ExpiryInput, now: Date, past: 'refuse' | 'allow'): Date | undefined {
  const tooLong = (field: string) =>
    invalid(
      field,
      'too_big',
      `Must be at most ${policy.maxSeconds} seconds from now (the ${policy.orgId ? "org's" : 'personal'} maximum).`,
    );
  if (input.expiresInSeconds !== undefined) {
    if (input.expiresInSeconds > policy.maxSeconds) throw tooLong('expiresInSeconds');
    return new Date(now.getTime() + input.expiresInSeconds * 1000);
  }
  if (input.expiresAt !== undefined) {
    const seconds = (input.expiresAt.getTime() - now.getTime()) / 1000;
    if (seconds > policy.maxSeconds) throw tooLong('expiresAt');
    if (past === 'refuse' && seconds < MIN_LINK_TTL_SECONDS) {
      throw invalid('expiresAt', 'too_small', `Must be at least ${MIN_LINK_TTL_SECONDS} seconds in the future.`);
    }
    return input.expiresAt;
  }
  return past === 'refuse' ? new Date(now.getTime() + policy.defaultSeconds * 1000) : undefined;
}
