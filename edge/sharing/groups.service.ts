/**
 * Groups inside an org. Org owners and admins create and delete groups and
 * change their members; every org member may see them. A group's members are
 * always members of its org: adding checks that in the same statement, and
 * leaving the org leaves its groups (org-members.ts). Deleting a group
 * deletes the grants made to it, so no grant outlives its principal.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { grants, groupMembers, groups, orgMembers, users } from '../../shared/db/schema.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import { AppError } from '../errors.ts';
import { orgRoleOf, type OrgRole } from './orgs.service.ts';
import type { GroupView, GroupMemberView } from './schemas.ts';

const memberCount = sql<number>`(select count(*)::int from group_members gm where gm.group_id = "groups"."id")`;

const view = (r: { id: string; orgId: string; name: string; memberCount: number; createdAt: Date }): GroupView => ({
  ...r,
  memberCount: Number(r.memberCount),
  createdAt: r.createdAt.toISOString(),
});

/** Creates a group. @throws 409 when the org already has a group of that name. */
export async function createGroup(db: Database, orgId: string, name: string): Promise<GroupView> {
  const [row] = await db.insert(groups).values({ orgId, name }).onConflictDoNothing().returning();
  if (!row) throw new AppError('conflict', 'The org already has a group with this name.');
  return view({ ...row, memberCount: 0 });
}

export async function listGroups(db: Database, orgId: string): Promise<GroupView[]> {
  const rows = await db
    .select({ id: groups.id, orgId: groups.orgId, name: groups.name, memberCount, createdAt: groups.createdAt })
    .from(groups)
    .where(eq(groups.orgId, orgId))
    .orderBy(asc(groups.name), asc(groups.id));
  return rows.map(view);
}

export async function loadGroup(db: Database, groupId: string): Promise<{ id: string; orgId: string; name: string } | null> {
  const [row] = await db
    .select({ id: groups.id, orgId: groups.orgId, name: groups.name })
    .from(groups)
    .where(eq(groups.id, groupId))
    .limit(1);
  return row ?? null;
}

export async function deleteGroup(db: Database, groupId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(grants).where(and(eq(grants.principalType, 'group'), eq(grants.principalId, groupId)));
    await tx.delete(groups).where(eq(groups.id, groupId));
  });
}

/** The group's members, or the one member `userId` when given. */
export async function listGroupMembers(db: Database, groupId: string, userId?: string): Promise<GroupMemberView[]> {
  const rows = await db
    .select({ userId: users.id, name: users.name, email: users.email, addedAt: groupMembers.createdAt })
    .from(groupMembers)
    .innerJoin(users, eq(users.id, groupMembers.userId))
    .where(and(eq(groupMembers.groupId, groupId), userId === undefined ? undefined : eq(groupMembers.userId, userId)))
    .orderBy(asc(groupMembers.createdAt), asc(users.id));
  return rows.map((r) => ({ ...r, addedAt: r.addedAt.toISOString() }));
}

/**
 * Adds an org member to the group, in one statement that checks the
 * membership. @throws 409 when the user is not an org member or already in the group.
 */
export async function addGroupMember(db: Database, group: { id: string; orgId: string }, userId: string): Promise<void> {
  const [isMember] = await db
    .select({ userId: orgMembers.userId })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, group.orgId), eq(orgMembers.userId, userId)))
    .limit(1);
  if (!isMember) throw new AppError('conflict', 'Only members of the org can join its groups.');
  const inserted = await db.execute(sql`
    insert into group_members (group_id, user_id)
    select ${group.id}, ${userId}
    where exists (select 1 from org_members om where om.org_id = ${group.orgId} and om.user_id = ${userId})
    on conflict do nothing
    returning user_id`);
  if (rowsOf(inserted).length === 0) throw new AppError('conflict', 'This user is already in the group.');
}

/** @returns false when the user was not in the group. */
export async function removeGroupMember(db: Database, groupId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(groupMembers)
    .where(and(eq(groupMembers.groupId, groupId), eq(groupMembers.userId, userId)))
    .returning({ userId: groupMembers.userId });
  return rows.length === 1;
}

/**
 * The group, when the caller is a member of its org (with one of `roles`, when given).
 * @throws 404 for no such group or a caller outside its org, 403 for a member without the role.
 */
export async function requireGroup(
  db: Database,
  groupId: string,
  userId: string,
  roles?: readonly OrgRole[],
): Promise<{ id: string; orgId: string; name: string }> {
  const group = await loadGroup(db, groupId);
  const role = group ? await orgRoleOf(db, group.orgId, userId) : null;
  if (!group || role === null) throw new AppError('not_found', 'No such group.');
  if (roles && !roles.includes(role)) throw new AppError('forbidden', `This needs the ${roles.join(' or ')} role in the org.`);
  return group;
}
