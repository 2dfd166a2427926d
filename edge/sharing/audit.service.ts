/**
 * The owner's view of a resource's audit rows (written by
 * edge/audit/write-audit.ts). A row names the asset or collection it concerns
 * (`resource_type`, `resource_id`), so `GET /api/audit` for a resource shows
 * its grants, links and link opens together; org and group changes name the
 * org. Never a password, a token or a hash in `detail`.
 */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { auditLog, users } from '../../shared/db/schema.ts';
import { knownPeople } from './people.ts';
import type { AuditEntry } from './schemas.ts';

/**
 * One page of a resource's audit rows, newest first (by the row id, which
 * grows with every insert), after `cursor` (the last id of the previous page).
 * Client addresses stay in the table for operators and are not shown; actors
 * are named only to a viewer who shares an org with them (people.ts).
 */
export async function auditPage(
  db: Database,
  viewerId: string,
  resource: { type: 'asset' | 'collection'; id: string },
  cursor: number | undefined,
  limit: number,
): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const where: SQL[] = [eq(auditLog.resourceId, resource.id), eq(auditLog.resourceType, resource.type)];
  if (cursor !== undefined) where.push(lt(auditLog.id, cursor));
  const rows = await db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      action: auditLog.action,
      actorId: auditLog.actorId,
      actorName: users.name,
      detail: auditLog.detail,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const known = await knownPeople(
    db,
    viewerId,
    page.flatMap((r) => (r.actorId ? [r.actorId] : [])),
  );
  return {
    items: page.map((r) => ({
      id: String(r.id),
      at: r.at.toISOString(),
      action: r.action,
      actor: r.actorId ? { id: r.actorId, name: known.has(r.actorId) ? (r.actorName ?? '') : null } : null,
      detail: r.detail,
    })),
    nextCursor: rows.length > limit ? String(page[page.length - 1]!.id) : null,
  };
}
