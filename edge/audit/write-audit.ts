/**
 * The one writer of `audit_log` rows and the list of every action the edge
 * records. Feature modules (edge/auth/audit.ts, edge/sharing/audit.service.ts,
 * edge/library/audit.ts) name their events with these actions and call this
 * writer, inside the transaction of the change they record. Every row gets
 * the client address and the request id. Never a password, a token or a
 * hash in `detail`.
 */
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { auditLog } from '../../shared/db/schema.ts';
import type { AppEnv } from '../env.ts';
import { clientAddress } from '../middleware/client-address.ts';

export const AUDIT_ACTIONS = {
  auth: ['auth.register', 'auth.register_conflict', 'auth.login', 'auth.login_failed', 'auth.refresh_reuse', 'auth.logout', 'auth.password_change', 'auth.password_change_failed'],
  sharing: [
    'share.create',
    'share.update',
    'share.revoke',
    'share.open',
    'share.unlock',
    'share.unlock_failed',
    'grant.create',
    'grant.update',
    'grant.delete',
    'org.create',
    'org.update',
    'org.member_add',
    'org.member_update',
    'org.member_remove',
    'org.invite',
    'org.invite_revoke',
    'org.invite_accept',
    'org.invite_decline',
    'group.create',
    'group.delete',
    'group.member_add',
    'group.member_remove',
  ],
  library: [
    'asset.delete',
    'asset.restore',
    'asset.purge_requested',
    'asset.visibility_changed',
    'collection.delete',
    'collection.visibility_changed',
  ],
} as const;

export type AuditArea = keyof typeof AUDIT_ACTIONS;
export type AuditActionOf<A extends AuditArea> = (typeof AUDIT_ACTIONS)[A][number];
export type AuditAction = AuditActionOf<AuditArea>;

export interface AuditEvent {
  action: AuditAction;
  /** The signed-in user who acted; null for a link holder, an unknown caller or the system. */
  actorId: string | null;
  /** What the row concerns (an owner reads a resource's rows through `GET /api/audit`). */
  resource: { type: 'user' | 'asset' | 'collection' | 'org'; id: string } | null;
  detail?: Record<string, unknown>;
}

export async function writeAudit(c: Context<AppEnv>, db: Database, event: AuditEvent): Promise<void> {
  await db.insert(auditLog).values({
    action: event.action,
    actorId: event.actorId,
    resourceType: event.resource?.type ?? null,
    resourceId: event.resource?.id ?? null,
    ip: clientAddress(c),
    requestId: c.get('requestId'),
    detail: event.detail ?? {},
  });
}
