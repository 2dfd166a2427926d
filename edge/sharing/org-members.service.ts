/**
 * Org membership rules:
 * - people join by accepting an invitation (invitations.ts, invitation-answers.ts);
 *   nobody is added to an org without their consent;
 * - owners and admins change and remove members;
 * - only an owner makes someone an owner or changes or removes an owner;
 * - anyone may leave (remove themselves);
 * - the last owner can neither leave nor be demoted (409).
 * Changes run in a transaction that first locks the org row, so two owners
 * demoting each other at once cannot leave the org without one.
 * Leaving an org also leaves its groups (group members are org members).
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { groupMembers, groups, orgMembers, users } from '../../shared/db/schema.ts';
import { AppError } from '../errors.ts';
import type { OrgRole } from './orgs.service.ts';
import type { MemberView } from './schemas.ts';

export async function listMembers(db: Database, orgId: string): Promise<MemberView[]> {
  const rows = await db
    .select({ userId: users.id, name: users.name, email: users.email, role: orgMembers.role, joinedAt: orgMembers.createdAt })
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(eq(orgMembers.orgId, orgId))
    .orderBy(asc(orgMembers.createdAt), asc(users.id));
  return rows.map((r) => ({ ...r, joinedAt: r.joinedAt.toISOString() }));
}

export async function memberView(db: Database, orgId: string, userId: string): Promise<MemberView | null> {
  const all = await db
    .select({ userId: users.id, name: users.name, email: users.email, role: orgMembers.role, joinedAt: orgMembers.createdAt })
    .from(orgMembers)
    .innerJoin(users, eq(users.id, orgMembers.userId))
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)))
    .limit(1);
  const r = all[0];
  return r ? { ...r, joinedAt: r.joinedAt.toISOString() } : null;
}

const onlyOwners = () => new AppError('forbidden', 'Only an owner can make, change or remove an owner.');
const lastOwner = () => new AppError('conflict', 'The org must keep at least one owner.');
const notMember = () => new AppError('not_found', 'No such member.');

export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** Locks the org row for the rest of the transaction; membership changes of one org run one at a time. */
export async function lockOrg(tx: Tx, orgId: string): Promise<void> {
  await tx.execute(sql`select id from orgs where id = ${orgId} for update`);
}

async function roleIn(tx: Tx, orgId: string, userId: string): Promise<OrgRole | null> {
  const [row] = await tx
    .select({ role: orgMembers.role })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)))
    .limit(1);
  return row?.role ?? null;
}

async function ownerCount(tx: Tx, orgId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.role, 'owner')));
  return Number(row?.n ?? 0);
}

/** Changes a member's role under the rules above. */
export async function changeRole(db: Database, orgId: string, actorId: string, targetId: string, role: OrgRole): Promise<void> {
  await db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const actorRole = await roleIn(tx, orgId, actorId);
    if (actorRole !== 'owner' && actorRole !== 'admin') throw new AppError('forbidden', 'This needs the owner or admin role in the org.');
    const current = await roleIn(tx, orgId, targetId);
    if (current === null) throw notMember();
    if ((current === 'owner' || role === 'owner') && actorRole !== 'owner') throw onlyOwners();
    if (current === 'owner' && role !== 'owner' && (await ownerCount(tx, orgId)) <= 1) throw lastOwner();
    await tx
      .update(orgMembers)
      .set({ role })
      .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, targetId)));
  });
}

/** Removes a member (or lets a member leave), and takes them out of the org's groups. */
export async function removeMember(db: Database, orgId: string, actorId: string, targetId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const actorRole = await roleIn(tx, orgId, actorId);
    if (actorRole === null) throw new AppError('not_found', 'No such org.');
    const leaving = actorId === targetId;
    if (!leaving && actorRole !== 'owner' && actorRole !== 'admin')
      throw new AppError('forbidden', 'This needs the owner or admin role in the org.');
    const current = await roleIn(tx, orgId, targetId);
    if (current === null) throw notMember();
    if (current === 'owner' && !leaving && actorRole !== 'owner') throw onlyOwners();
    if (current === 'owner' && (await ownerCount(tx, orgId)) <= 1) throw lastOwner();
    const orgGroups = tx.select({ id: groups.id }).from(groups).where(eq(groups.orgId, orgId));
    await tx.delete(groupMembers).where(and(eq(groupMembers.userId, targetId), inArray(groupMembers.groupId, orgGroups)));
    await tx.delete(orgMembers).where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, targetId)));
  });
}
