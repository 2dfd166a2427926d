/**
 * Org invitations, the org's side: membership needs the member's consent, so
 * owners and admins invite an email address and the account with that email
 * answers (invitation-answers.ts). The inviter is never told whether the
 * address has an account: inviting runs the same statements either way and
 * answers the same body. An address already in the org is refused (409):
 * its members are listed to the inviter anyway. Invitations last 14 days; a
 * second invitation of a pending address refreshes it (role, inviter, expiry).
 *
 * An invitation carries its inviter's authority and lasts only while they
 * still hold it: once they left the org or are no longer an owner or admin,
 * it is listed to nobody and cannot be accepted (a removed admin's pending
 * invitations do not let anyone in after them). Inviting again revives it
 * under the new inviter.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { orgInvitations, users } from '../../shared/db/schema.ts';
import { hit, type AttemptLimit } from '../auth/attempt-limit.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import { AppError, retryLater } from '../errors.ts';
import type { InvitationView } from './schemas.ts';

export const INVITATION_TTL_SECONDS = 14 * 86400;
/** 50 invitations per inviter per hour, in every org together. */
export const INVITE_LIMIT: AttemptLimit = { max: 50, windowSeconds: 3600 };
export const inviteLimitKey = (inviterId: string) => `org-invite:user:${inviterId}`;

export type InvitedRole = 'member' | 'admin';

/** True while the invitation's inviter is still an owner or admin of its org. */
// Qualified by hand: drizzle may render columns inside sql`` unqualified, and inside this subquery that would mean m's.
export const inviterMayInvite = sql<boolean>`exists (select 1 from org_members m
  where m.org_id = "org_invitations"."org_id" and m.user_id = "org_invitations"."invited_by" and m.role in ('owner', 'admin'))`;
export type InvitationRow = typeof orgInvitations.$inferSelect;

/** @throws 429 when the inviter is over {@link INVITE_LIMIT}. */
export async function reserveInvite(db: Database, inviterId: string): Promise<void> {
  const { count, retryAfter } = await hit(db, inviteLimitKey(inviterId), INVITE_LIMIT);
  if (count > INVITE_LIMIT.max) {
    throw retryLater('rate_limited', 'Too many invitations; try again later.', retryAfter);
  }
}

/**
 * Invites `email` (already lower-case) or refreshes its pending invitation.
 * @throws 409 when an account with that email is already a member.
 */
export async function invite(
  db: Database,
  input: { orgId: string; inviterId: string; email: string; role: InvitedRole; now: Date },
): Promise<InvitationRow> {
  const member = await db.execute(sql`
    select 1 from org_members om join users u on u.id = om.user_id
    where om.org_id = ${input.orgId} and lower(u.email) = ${input.email} limit 1`);
  if (rowsOf(member).length > 0) throw new AppError('conflict', 'Someone with this email is already a member of the org.');
  const expiresAt = new Date(input.now.getTime() + INVITATION_TTL_SECONDS * 1000);
  const [row] = await db
    .insert(orgInvitations)
    .values({ orgId: input.orgId, email: input.email, role: input.role, invitedBy: input.inviterId, expiresAt })
    .onConflictDoUpdate({
      target: [orgInvitations.orgId, orgInvitations.email],
      targetWhere: sql`${orgInvitations.status} = 'pending'`,
      set: { role: input.role, invitedBy: input.inviterId, expiresAt, createdAt: input.now },
    })
    .returning();
  return row!;
}

/** The org's pending, unexpired invitations whose inviter may still invite, oldest first. */
export async function listOrgInvitations(db: Database, orgId: string, now: Date): Promise<InvitationView[]> {
  const rows = await db
    .select({ inv: orgInvitations, inviterName: users.name })
    .from(orgInvitations)
    .leftJoin(users, eq(users.id, orgInvitations.invitedBy))
    .where(and(eq(orgInvitations.orgId, orgId), eq(orgInvitations.status, 'pending'), gt(orgInvitations.expiresAt, now), inviterMayInvite))
    .orderBy(asc(orgInvitations.createdAt), asc(orgInvitations.id));
  return rows.map(({ inv, inviterName }) => ({
    ...orgView(inv),
    invitedBy: inv.invitedBy && inviterName !== null ? { id: inv.invitedBy, name: inviterName } : null,
  }));
}

export const orgView = (inv: InvitationRow): Omit<InvitationView, 'invitedBy'> => ({
  id: inv.id,
  email: inv.email,
  role: inv.role === 'admin' ? 'admin' : 'member',
  status: inv.status,
  createdAt: inv.createdAt.toISOString(),
  expiresAt: inv.expiresAt.toISOString(),
});

/**
 * Revokes an invitation of the org; revoking a revoked one again changes nothing.
 * @throws 404 when the org has no such invitation, 409 when it was already accepted or declined.
 */
export async function revokeInvitation(
  db: Database,
  orgId: string,
  invitationId: string,
  now: Date,
): Promise<{ row: InvitationRow; changed: boolean }> {
  const [revoked] = await db
    .update(orgInvitations)
    .set({ status: 'revoked', respondedAt: now })
    .where(and(eq(orgInvitations.id, invitationId), eq(orgInvitations.orgId, orgId), eq(orgInvitations.status, 'pending')))
    .returning();
  if (revoked) return { row: revoked, changed: true };
  const [row] = await db
    .select()
    .from(orgInvitations)
    .where(and(eq(orgInvitations.id, invitationId), eq(orgInvitations.orgId, orgId)))
    .limit(1);
  if (!row) throw new AppError('not_found', 'No such invitation.');
  if (row.status === 'revoked') return { row, changed: false };
  throw new AppError('conflict', `This invitation was already ${row.status}.`, { details: { status: row.status } });
}
