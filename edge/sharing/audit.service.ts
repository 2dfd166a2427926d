/**
 * Audit rows of the sharing API (written by edge/audit/write-audit.ts), and
 * the owner's view of them. A row names the asset or collection it concerns
 * (`resource_type`, `resource_id`), so `GET /api/audit` for a resource shows
 * its grants, links and link opens together; org and group changes name the
 * org. Never a password, a token or a hash in `detail`.
 */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { auditLog, users } from '../../shared/db/schema.ts';
import { writeAudit, type AuditActionOf } from '../audit/write-audit.ts';
import type { AppEnv } from '../env.ts';
import { knownPeople } from './people.ts';

export type SharingAuditAction = AuditActionOf<'sharing'>;

export interface SharingAuditEvent {
  action: SharingAuditAction;
  /** The signed-in user, or null for a link holder. */
  actorId: string | null;
  resource: { type: 'asset' | 'collection' | 'org'; id: string };
  detail?: Record<string, unknown>;
}

export async function auditSharing(c: Context<AppEnv>, db: Database, event: SharingAuditEvent): Promise<void> {
  await writeAudit(c, db, event);
}

export interface AuditEntry {
  id: string;
  at: string;
  action: string;
  /** The name only of someone the viewer shares an org with (or the viewer). */
  actor: { id: string; name: string | null } | null;
  detail: Record<string, unknown>;
}

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
  const known = await knownPeople(db, viewerId, page.flatMap((r) => (r.actorId ? [r.actorId] : [])));
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
