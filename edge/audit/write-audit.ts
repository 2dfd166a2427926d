/**
 * The one writer of `audit_log` rows and the list of every action the edge
 * records. Auth, library and sharing handlers call it inside the transaction
 * of the change they record, with the request's {@link AuditContext} (built
 * once per request by `requestMeta()`, edge/api/request-context.ts): every
 * row gets the client address and the request id. It takes no Hono context,
 * so a service or a test can write a row with the same call. Never a
 * password, a token or a hash in `detail`.
 */
import type { Database } from '../../shared/db/database.ts';
import { auditLog } from '../../shared/db/schema.ts';
import type { RequestMeta } from '../api/request-context.ts';

export const AUDIT_ACTIONS = {
  auth: [
    'auth.register',
    'auth.register_conflict',
    'auth.login',
    'auth.login_failed',
    'auth.refresh_reuse',
    'auth.logout',
    'auth.password_change',
    'auth.password_change_failed',
    'auth.login_second_step',
    'auth.second_factor_failed',
    'auth.totp_enrol',
    'auth.totp_enabled',
    'auth.totp_disabled',
    'auth.recovery_codes_renewed',
    'auth.session_end',
    'auth.sessions_end_others',
    'auth.api_key_create',
    'auth.api_key_revoke',
    'auth.passkey_register',
    'auth.passkey_rename',
    'auth.passkey_delete',
    'auth.passkey_failed',
    'auth.webhook_create',
    'auth.webhook_update',
    'auth.webhook_delete',
    'auth.webhook_rotate',
  ],
  sharing: [
    'share.create',
    'share.update',
    'share.revoke',
    'share.open',
    'share.unlock',
    'share.unlock_failed',
    'share.drop',
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

/** Who asked, as every audit row records it: the request's meta (the user agent is not stored). */
export type AuditContext = Pick<RequestMeta, 'requestId' | 'ip'>;

/** A user's own event (auth): the user is both the actor and the resource; null for an unknown caller. */
export const userEvent = (userId: string | null | undefined) => ({
  actorId: userId ?? null,
  resource: userId ? { type: 'user' as const, id: userId } : null,
});

/** `db` is the transaction of the change the row records. */
export async function writeAudit(db: Database, ctx: AuditContext, event: AuditEvent): Promise<void> {
  await db.insert(auditLog).values({
    action: event.action,
    actorId: event.actorId,
    resourceType: event.resource?.type ?? null,
    resourceId: event.resource?.id ?? null,
    ip: ctx.ip,
    requestId: ctx.requestId,
    detail: event.detail ?? {},
  });
}
