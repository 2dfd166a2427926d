/**
 * Audit rows for authentication events (written by edge/audit/write-audit.ts).
 * Never a password, a token or a token hash; emails only as a hash (a
 * mistyped password sometimes lands in the email field).
 */
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { writeAudit, type AuditActionOf } from '../audit/write-audit.ts';
import type { AppEnv } from '../env.ts';

export type AuthAuditAction = AuditActionOf<'auth'>;

export async function auditAuth(
  c: Context<AppEnv>,
  db: Database,
  event: { action: AuthAuditAction; userId?: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  const userId = event.userId ?? null;
  await writeAudit(c, db, {
    action: event.action,
    actorId: userId,
    resource: userId ? { type: 'user', id: userId } : null,
    ...(event.detail ? { detail: event.detail } : {}),
  });
}
