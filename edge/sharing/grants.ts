/**
 * Grants: a permission on an asset or collection for a user, a group or an
 * org, with an optional expiry; one per (resource, principal), so granting
 * again updates the existing grant. Whoever holds `manage` on the resource
 * may grant anything up to `manage` (routes check that). A group or org may
 * receive a grant only from one of its org's members, so nobody can push
 * grants at organisations they do not belong to; a group principal is
 * reported as not found to others, as the org routes do.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { grants, groups, orgMembers, orgs, users } from '../../shared/db/schema.ts';
import type { Permission } from '../../shared/policy/access.ts';
import { AppError } from '../errors.ts';
import type { ResourceRef } from './resource-access.ts';

export type PrincipalType = 'user' | 'group' | 'org';
export type GrantRow = typeof grants.$inferSelect;

export interface GrantView {
  id: string;
  resourceType: 'asset' | 'collection';
  resourceId: string;
  principalType: PrincipalType;
  principalId: string;
  /** The user's, group's or org's name, when it still exists. */
  principalName: string | null;
  permission: Permission;
  expiresAt: string | null;
  /** False once expired (expired grants are kept until deleted, and ignored by the access policy). */
  active: boolean;
  grantedBy: string | null;
  createdAt: string;
}

// Qualified by hand: drizzle may render columns inside sql`` unqualified.
const principalName = sql<string | null>`case "grants"."principal_type"
  when 'user' then (select u.name from users u where u.id = "grants"."principal_id")
  when 'group' then (select g.name from groups g where g.id = "grants"."principal_id")
  else (select o.name from orgs o where o.id = "grants"."principal_id") end`;

export function grantView(row: GrantRow & { principalName: string | null }, now = new Date()): GrantView {
  return {
    id: row.id,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    principalType: row.principalType,
    principalId: row.principalId,
    principalName: row.principalName,
    permission: row.permission,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    active: row.expiresAt === null || row.expiresAt.getTime() > now.getTime(),
    grantedBy: row.grantedBy,
    createdAt: row.createdAt.toISOString(),
  };
}

/** @throws 404 when the principal does not exist (or is a group/org the caller is not a member of). */
export async function checkPrincipal(db: Database, callerId: string, type: PrincipalType, id: string): Promise<void> {
  let found: unknown[];
  if (type === 'user') {
    found = await db.select({ id: users.id }).from(users).where(eq(users.id, id)).limit(1);
  } else if (type === 'group') {
    found = await db
      .select({ id: groups.id })
      .from(groups)
      .innerJoin(orgMembers, and(eq(orgMembers.orgId, groups.orgId), eq(orgMembers.userId, callerId)))
      .where(eq(groups.id, id))
      .limit(1);
  } else {
    found = await db
      .select({ id: orgs.id })
      .from(orgs)
      .innerJoin(orgMembers, and(eq(orgMembers.orgId, orgs.id), eq(orgMembers.userId, callerId)))
      .where(eq(orgs.id, id))
      .limit(1);
  }
  if (found.length === 0) throw new AppError('not_found', `No such ${type}.`);
}

/**
 * The id of the (enabled) user with this email, compared case-insensitively.
 * Reveals to the signed-in caller whether the address is registered, as
 * sharing by email does in Drive-like products.
 * @throws 404 `not_found` "No user with that email." when there is none.
 */
export async function userIdByEmail(db: Database, email: string): Promise<string> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${email})`, sql`${users.disabledAt} is null`))
    .limit(1);
  if (!row) throw new AppError('not_found', 'No user with that email.');
  return row.id;
}

export interface GrantInput {
  resource: ResourceRef;
  principalType: PrincipalType;
  principalId: string;
  permission: Permission;
  expiresAt: Date | null;
  grantedBy: string;
}

/** Inserts or updates the grant of this principal on this resource. */
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
  const grant = await loadGrant(db, row!.id);
  return { grant: grantView(grant!), created: Boolean(row!.created) };
}

export async function loadGrant(db: Database, id: string): Promise<(GrantRow & { principalName: string | null }) | null> {
  const [row] = await db.select({ grant: grants, principalName }).from(grants).where(eq(grants.id, id)).limit(1);
  return row ? { ...row.grant, principalName: row.principalName } : null;
}

export async function listGrants(db: Database, resource: ResourceRef): Promise<GrantView[]> {
  const rows = await db
    .select({ grant: grants, principalName })
    .from(grants)
    .where(and(eq(grants.resourceType, resource.type), eq(grants.resourceId, resource.id)))
    .orderBy(asc(grants.createdAt), asc(grants.id));
  const now = new Date();
  return rows.map((r) => grantView({ ...r.grant, principalName: r.principalName }, now));
}

export async function updateGrant(
  db: Database,
  id: string,
  patch: { permission?: Permission; expiresAt?: Date | null },
): Promise<GrantView> {
  await db.update(grants).set(patch).where(eq(grants.id, id));
  const row = await loadGrant(db, id);
  if (!row) throw new AppError('not_found', 'No such grant.');
  return grantView(row);
}

export async function deleteGrant(db: Database, id: string): Promise<void> {
  await db.delete(grants).where(eq(grants.id, id));
}
