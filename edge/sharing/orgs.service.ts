/**
 * Orgs and the caller's role in them. Every org route first asks
 * {@link requireOrgRole}: a caller who is not a member gets 404 (an org's
 * existence is not revealed to outsiders), a member without the needed role
 * gets 403.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { orgMembers, orgs } from '../../shared/db/schema.ts';
import { AppError } from '../errors.ts';
import { validationFailed } from '../api/validation.ts';

export type OrgRole = 'owner' | 'admin' | 'member';
export const MANAGERS: readonly OrgRole[] = ['owner', 'admin'];

/** Share-link lifetimes an org may set, in seconds: one minute to one year. */
export const ORG_TTL_MIN = 60;
export const ORG_TTL_MAX = 365 * 86400;

export type OrgRow = typeof orgs.$inferSelect;

export async function orgRoleOf(db: Database, orgId: string, userId: string): Promise<OrgRole | null> {
  const [row] = await db
    .select({ role: orgMembers.role })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, orgId), eq(orgMembers.userId, userId)))
    .limit(1);
  return row?.role ?? null;
}

/**
 * The caller's role, when it is one of `roles` (any role when omitted).
 * @throws 404 for a non-member (or no such org), 403 for a member without the role.
 */
export async function requireOrgRole(db: Database, orgId: string, userId: string, roles?: readonly OrgRole[]): Promise<OrgRole> {
  const role = await orgRoleOf(db, orgId, userId);
  if (role === null) throw new AppError('not_found', 'No such org.');
  if (roles && !roles.includes(role)) throw new AppError('forbidden', `This needs the ${roles.join(' or ')} role in the org.`);
  return role;
}

/** Creates the org with its creator as owner; null when the slug is taken. */
export async function createOrg(db: Database, userId: string, input: { name: string; slug: string }): Promise<OrgRow | null> {
  return db.transaction(async (tx) => {
    const [org] = await tx.insert(orgs).values(input).onConflictDoNothing().returning();
    if (!org) return null;
    await tx.insert(orgMembers).values({ orgId: org.id, userId, role: 'owner' });
    return org;
  });
}

export async function loadOrg(db: Database, orgId: string): Promise<OrgRow | null> {
  const [row] = await db.select().from(orgs).where(eq(orgs.id, orgId)).limit(1);
  return row ?? null;
}

export async function listMyOrgs(db: Database, userId: string): Promise<(OrgRow & { role: OrgRole })[]> {
  const rows = await db
    .select({ org: orgs, role: orgMembers.role })
    .from(orgMembers)
    .innerJoin(orgs, eq(orgs.id, orgMembers.orgId))
    .where(eq(orgMembers.userId, userId))
    .orderBy(asc(orgs.name), asc(orgs.id));
  return rows.map((r) => ({ ...r.org, role: r.role }));
}

export interface OrgPatch {
  name?: string;
  shareLinkDefaultTtl?: number;
  shareLinkMaxTtl?: number;
}

/**
 * Applies the patch, keeping default ≤ max against the values the row ends
 * up with (one conditional statement, so two concurrent patches cannot
 * together break the rule). @throws 400 when the result would break it.
 */
export async function updateOrg(db: Database, orgId: string, patch: OrgPatch): Promise<OrgRow> {
  const newDefault = patch.shareLinkDefaultTtl ?? orgs.shareLinkDefaultTtl;
  const newMax = patch.shareLinkMaxTtl ?? orgs.shareLinkMaxTtl;
  const [row] = await db
    .update(orgs)
    .set(patch)
    .where(and(eq(orgs.id, orgId), sql`(${newDefault})::int <= (${newMax})::int`))
    .returning();
  if (!row) {
    throw validationFailed(
      [{ field: 'shareLinkDefaultTtl', code: 'too_big', message: 'Must not exceed shareLinkMaxTtl.' }],
      'The request body is invalid.',
    );
  }
  return row;
}
