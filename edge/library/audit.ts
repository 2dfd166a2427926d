/**
 * Audit rows for library changes the owner must be able to trace: deletes,
 * restores, purge requests and visibility changes. Written in the same
 * transaction as the change, with the same columns as the auth audit
 * (edge/auth/audit.ts): actor, resource, client address, request id.
 */
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { auditLog } from '../../shared/db/schema.ts';
import type { AppEnv } from '../env.ts';
import { clientAddress } from '../middleware/client-address.ts';

export type LibraryAuditAction =
  | 'asset.delete'
  | 'asset.restore'
  | 'asset.purge_requested'
  | 'asset.visibility_changed'
  | 'collection.delete'
  | 'collection.visibility_changed';

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
  await db.insert(auditLog).values({
    action: event.action,
    actorId: event.actorId,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    ip: clientAddress(c),
    requestId: c.get('requestId'),
    detail: event.detail ?? {},
  });
}
