/**
 * Audit rows for library changes the owner must be able to trace: deletes,
 * restores, purge requests and visibility changes. Written in the same
 * transaction as the change by edge/audit/write-audit.ts.
 */
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { writeAudit, type AuditActionOf } from '../audit/write-audit.ts';
import type { AppEnv } from '../env.ts';

export type LibraryAuditAction = AuditActionOf<'library'>;

export async function auditLibrary(
  c: Context<AppEnv>,
  db: Database,
  event: {
    action: LibraryAuditAction;
    actorId: string;
    resourceType: 'asset' | 'collection';
    resourceId: string;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await writeAudit(c, db, {
    action: event.action,
    actorId: event.actorId,
    resource: { type: event.resourceType, id: event.resourceId },
    ...(event.detail ? { detail: event.detail } : {}),
  });
}
