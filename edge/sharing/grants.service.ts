/**
 * Grants: a permission on an asset or collection for a user, a group or an
 * org, with an optional expiry; one per (resource, principal), so granting
 * again updates the existing grant. Whoever holds `manage` on the resource
 * may grant anything up to `manage` (routes check that). A group or org may
 * receive a grant only from one of its org's members, so nobody can push
 * grants at organisations they do not belong to; a group principal is
 * reported as not found to others, as the org routes do. Likewise a person
 * receives a grant only from someone who shares an org with them (people.ts):
 * strangers are neither reachable nor named, and "no such account" and "a
 * stranger's account" are one answer. Nobody grants themselves anything.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { grants, groups, orgMembers, orgs } from '../../shared/db/schema.ts';
import type { Permission } from '../../shared/policy/access.ts';
import { AppError } from '../errors.ts';
import { knownPeople, knownPersonByEmail, ownEmail } from './people.ts';
import type { ResourceRef } from './resource-access.ts';
import type { GrantView } from './schemas.ts';

export type PrincipalType = 'user' | 'group' | 'org';
export type GrantRow = typeof grants.$inferSelect;

// Qualified by hand: drizzle may render columns inside sql`` unqualified.
const principalName = sql<string | null>`case "grants"."principal_type"
  when 'user' then (select u.name from users u where u.id = "grants"."principal_id")
  when 'group' then (select g.name from groups g where g.id = "grants"."principal_id")
  else (select o.name from orgs o where o.id = "grants"."principal_id") end`;

type NamedGrant = GrantRow & { principalName: string | null };

function grantView(row: NamedGrant, known: Set<string>, now = new Date()): GrantView {
  const hidden = row.principalType === 'user' && row.principalName !== null && !known.has(row.principalId);
  return {
    id: row.id,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    principalType: row.principalType,
    principalId: row.principalId,
    principalName: hidden ? null : row.principalName,
    principalHidden: hidden,
    permission: row.permission,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    active: row.expiresAt === null || row.expiresAt.getTime() > now.getTime(),
    grantedBy: row.grantedBy,
    createdAt: row.createdAt.toISOString(),
  };
}

/** One answer for an unknown account and a stranger's, by id or by email. */
const noSuchPerson = (by: 'id' | 'email') =>
  new AppError('not_found', `No one with that ${by} shares an organisation with you. Invite them to one, or share a link.`);

/**
 * Refuses a grant naming its caller (by id or by their own email): nobody
 * grants themselves anything. @throws 400 `self_grant`.
 */
export async function refuseSelfGrant(
  db: Database,
  callerId: string,
  who: { principalType: PrincipalType; principalId?: string; principalEmail?: string },
): Promise<void> {
  if (who.principalType !== 'user') return;
  const self =
    who.principalId === callerId ||
    (who.principalEmail !== undefined && who.principalEmail.toLowerCase() === (await ownEmail(db, callerId)));
  if (self) throw new AppError('self_grant', 'Nobody grants themselves anything: ask someone who manages this to change your access.');
}

/**
 * @throws 404 when the principal does not exist, is a person who shares no
 * org with the caller, or is a group/org the caller is not a member of.
 */
export async function checkPrincipal(db: Database, callerId: string, type: PrincipalType, id: string): Promise<void> {
  if (type === 'user') {
    if (!(await knownPeople(db, callerId, [id])).has(id)) throw noSuchPerson('id');
    return;
  }
  const found =
    type === 'group'
      ? await db
          .select({ id: groups.id })
          .from(groups)
          .innerJoin(orgMembers, and(eq(orgMembers.orgId, groups.orgId), eq(orgMembers.userId, callerId)))
          .where(eq(groups.id, id))
          .limit(1)
      : await db
          .select({ id: orgs.id })
          .from(orgs)
          .innerJoin(orgMembers, and(eq(orgMembers.orgId, orgs.id), eq(orgMembers.userId, callerId)))
          .where(eq(orgs.id, id))
          .limit(1);
  if (found.length === 0) throw new AppError('not_found', `No such ${type}.`);
}

/**
 * The person with this email (any case) who shares an org with the caller.
 * @throws 404, the same for an unregistered address and a stranger's.
 */
export async function personByEmail(db: Database, callerId: string, email: string): Promise<string> {
  const id = await knownPersonByEmail(db, callerId, email);
  if (id === null) throw noSuchPerson('email');
  return id;
}

export interface GrantInput {
  resource: ResourceRef;
  principalType: PrincipalType;
  principalId: string;
  permission: Permission;
  expiresAt: Date | null;
  grantedBy: string;
}

/** Inserts or updates the grant of this principal on this resource; the answer is as its granter sees it. */
export async function upsertGrant(db: Database, input: GrantInput): Promise<{ grant: GrantView; created: boolean }> {
  const [row] = await db
    .insert(grants)
    .values({
      resourceType: input.resource.type,
      resourceId: input.resource.id,
      principalType: input.principalType,
      principalId: input.principalId,
      permission: input.permission,
      expiresAt: input.expiresAt,
      grantedBy: input.grantedBy,
    })
    .onConflictDoUpdate({
      target: [grants.resourceType, grants.resourceId, grants.principalType, grants.principalId],
      set: { permission: input.permission, expiresAt: input.expiresAt, grantedBy: input.grantedBy },
    })
    // xmax is 0 only for a freshly inserted row version.
    .returning({ id: grants.id, created: sql<boolean>`(xmax = 0)` });
  const grant = await loadGrantView(db, row!.id, input.grantedBy);
  return { grant: grant!, created: Boolean(row!.created) };
}

export async function loadGrant(db: Database, id: string): Promise<NamedGrant | null> {
  const [row] = await db.select({ grant: grants, principalName }).from(grants).where(eq(grants.id, id)).limit(1);
  return row ? { ...row.grant, principalName: row.principalName } : null;
}

/** Views for `viewerId`: people they share no org with are not named. */
async function viewsFor(db: Database, rows: NamedGrant[], viewerId: string, now = new Date()): Promise<GrantView[]> {
  const people = rows.filter((r) => r.principalType === 'user').map((r) => r.principalId);
  const known = await knownPeople(db, viewerId, people);
  return rows.map((r) => grantView(r, known, now));
}

export async function loadGrantView(db: Database, id: string, viewerId: string): Promise<GrantView | null> {
  const row = await loadGrant(db, id);
  return row ? (await viewsFor(db, [row], viewerId))[0]! : null;
}

export async function listGrants(db: Database, resource: ResourceRef, viewerId: string): Promise<GrantView[]> {
  const rows = await db
    .select({ grant: grants, principalName })
    .from(grants)
    .where(and(eq(grants.resourceType, resource.type), eq(grants.resourceId, resource.id)))
    .orderBy(asc(grants.createdAt), asc(grants.id));
  return viewsFor(
    db,
    rows.map((r) => ({ ...r.grant, principalName: r.principalName })),
    viewerId,
  );
}

/**
 * Changes a grant; whoever changes it becomes its granter, since the right it
 * now carries is theirs (as a second grant to the same principal does).
 */
export async function updateGrant(
  db: Database,
  id: string,
  patch: { permission?: Permission; expiresAt?: Date | null },
  actorId: string,
): Promise<GrantView> {
  await db
    .update(grants)
    .set({ ...patch, grantedBy: actorId })
    .where(eq(grants.id, id));
  const view = await loadGrantView(db, id, actorId);
  if (!view) throw new AppError('not_found', 'No such grant.');
  return view;
}

export async function deleteGrant(db: Database, id: string): Promise<void> {
  await db.delete(grants).where(eq(grants.id, id));
}
