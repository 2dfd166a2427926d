/**
 * Org invitations, the invitee's side. An invitation belongs to the account
 * whose email (compared lower-case) it names: anyone else is told there is no
 * such invitation (404), so ids learnt elsewhere open nothing. The invitee may
 * see the org's name and who asks (the inviter's name): they are being asked
 * to join, and joining is their choice.
 *
 * Accepting adds the org_members row and marks the invitation in one
 * transaction that locks the invitation, then the org (as every membership
 * change does, edge/sharing/org-members.service.ts). It puts nobody into a group.
 * Answering again the same way changes nothing (idempotent); a revoked,
 * expired or lapsed invitation (its inviter may no longer invite, see
 * invitations.ts) is 410 `gone`, one answered the other way 409 `conflict`,
 * each with `details.status`. Declining is always possible.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { orgInvitations, orgMembers, orgs, users } from '../../shared/db/schema.ts';
import { AppError } from '../errors.ts';
import { inviterMayInvite, type InvitationRow } from './invitations.service.ts';
import { lockOrg, type Tx } from './org-members.service.ts';
import type { ReceivedInvitation } from './schemas.ts';

export type Answer = 'accept' | 'decline';

/** The account's email, lower-cased (invitations store theirs lower-cased). */
const emailOf = (userId: string) => sql`(select lower(u.email) from users u where u.id = ${userId})`;

/** The caller's pending, unexpired invitations, oldest first. */
export async function myInvitations(db: Database, userId: string, now: Date): Promise<ReceivedInvitation[]> {
  const rows = await db
    .select({ inv: orgInvitations, orgName: orgs.name, inviterName: users.name })
    .from(orgInvitations)
    .innerJoin(orgs, eq(orgs.id, orgInvitations.orgId))
    .leftJoin(users, eq(users.id, orgInvitations.invitedBy))
    .where(
      and(
        eq(orgInvitations.email, emailOf(userId)),
        eq(orgInvitations.status, 'pending'),
        gt(orgInvitations.expiresAt, now),
        inviterMayInvite,
      ),
    )
    .orderBy(asc(orgInvitations.createdAt), asc(orgInvitations.id));
  return rows.map((r) => received(r.inv, r.orgName, r.inviterName));
}

function received(inv: InvitationRow, orgName: string, inviterName: string | null): ReceivedInvitation {
  return {
    id: inv.id,
    org: { id: inv.orgId, name: orgName },
    role: inv.role === 'admin' ? 'admin' : 'member',
    status: inv.status,
    invitedBy: inviterName === null ? null : { name: inviterName },
    createdAt: inv.createdAt.toISOString(),
    expiresAt: inv.expiresAt.toISOString(),
  };
}

const answered = { accept: 'accepted', decline: 'declined' } as const;

/**
 * Accepts or declines the caller's invitation.
 * @throws 404 (no such invitation for this account), 410 (revoked or expired), 409 (answered the other way).
 */
export async function answerInvitation(
  db: Database,
  invitationId: string,
  userId: string,
  answer: Answer,
  now: Date,
): Promise<{ invitation: ReceivedInvitation; changed: boolean }> {
  return db.transaction(async (tx) => {
    const [inv] = await tx
      .select()
      .from(orgInvitations)
      .where(and(eq(orgInvitations.id, invitationId), eq(orgInvitations.email, emailOf(userId))))
      .for('update')
      .limit(1);
    if (!inv) throw new AppError('not_found', 'No such invitation.');
    const target = answered[answer];
    if (inv.status === target) {
      // A repeated accept is idempotent only while its membership lasts: a member who left does not rejoin by it.
      if (answer === 'accept' && !(await isMember(tx, inv.orgId, userId))) throw refused('accepted');
      return { invitation: await view(tx, inv), changed: false };
    }
    if (inv.status === 'revoked') throw new AppError('gone', 'This invitation was revoked.', { details: { status: 'revoked' } });
    if (inv.status !== 'pending') throw refused(inv.status);
    if (inv.expiresAt.getTime() <= now.getTime())
      throw new AppError('gone', 'This invitation has expired.', { details: { status: 'expired' } });
    if (answer === 'accept') {
      await lockOrg(tx, inv.orgId);
      // Checked under the org's lock, so a removal or demotion of the inviter cannot slip past it.
      const [live] = await tx.select({ ok: inviterMayInvite }).from(orgInvitations).where(eq(orgInvitations.id, inv.id));
      if (!live?.ok)
        throw new AppError('gone', 'This invitation lapsed: whoever sent it can no longer invite to this org.', {
          details: { status: 'lapsed' },
        });
      // Already a member (the org's creator, or a race): the membership and its role stay as they are.
      await tx.insert(orgMembers).values({ orgId: inv.orgId, userId, role: inv.role }).onConflictDoNothing();
    }
    const [updated] = await tx
      .update(orgInvitations)
      .set({ status: target, respondedAt: now })
      .where(eq(orgInvitations.id, inv.id))
      .returning();
    return { invitation: await view(tx, updated!), changed: true };
  });
}

const refused = (status: string) => new AppError('conflict', `This invitation was already ${status}.`, { details: { status } });

async function isMember(tx: Tx, orgId: string, userId: string): Promise<boolean> {
  const [row] = await tx
    .select({ userId: orgMembers.userId })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)))
    .limit(1);
  return row !== undefined;
}

async function view(tx: Tx, inv: InvitationRow): Promise<ReceivedInvitation> {
  const [row] = await tx
    .select({ orgName: orgs.name, inviterName: users.name })
    .from(orgs)
    .leftJoin(users, sql`${users.id} = ${inv.invitedBy}`)
    .where(eq(orgs.id, inv.orgId))
    .limit(1);
  return received(inv, row?.orgName ?? '', row?.inviterName ?? null);
}
