/**
 * Audit rows for authentication events. Never a password, a token or a token
 * hash; emails only as a hash (a mistyped password sometimes lands in the
 * email field).
 */
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { auditLog } from '../../shared/db/schema.ts';
import type { AppEnv } from '../env.ts';
import { clientAddress } from '../middleware/client-address.ts';

export type AuthAuditAction =
  | 'auth.register'
  | 'auth.register_conflict'
  | 'auth.login'
  | 'auth.login_failed'
  | 'auth.refresh_reuse'
  | 'auth.logout';

export async function auditAuth(
  c: Context<AppEnv>,
  db: Database,
  event: { action: AuthAuditAction; userId?: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  await db.insert(auditLog).values({
    action: event.action,
    actorId: event.userId ?? null,
    resourceType: event.userId ? 'user' : null,
    resourceId: event.userId ?? null,
    ip: clientAddress(c),
    requestId: c.get('requestId'),
    detail: event.detail ?? {},
  });
}
