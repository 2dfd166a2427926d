/**
 * The webhook outbox: one delivery row per subscribed, enabled endpoint of
 * the user an event concerns, written by the caller's own transaction (or in
 * the same statement, through `outboxInsertSql`), so an event exists exactly
 * when the change it reports committed. Nothing is sent here: the origin's
 * dispatcher (origin/webhooks/) claims due rows and delivers them.
 *
 * Who hears of what: asset and upload events go to the asset's owner; share
 * link events go to the link's creator (the one who shared).
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { rowsOf } from '../db/sql-rows.ts';
import { payloadJson, type WebhookEventType, type WebhookPayload } from './events.ts';

type Executor = Pick<Database, 'execute'>;

/**
 * SQL: `insert into webhook_deliveries … select … from webhook_endpoints` for
 * every enabled endpoint of the user `ownerSql` yields that takes `type`.
 * Usable as a statement or as the last part of a `with … as (…)` statement.
 * `only` narrows further (e.g. throttling) and may use the endpoint alias `e`.
 */
export function outboxInsertSql(type: WebhookEventType, ownerSql: SQL, data: WebhookPayload['data'], at: Date, only: SQL = sql`true`): SQL {
  return sql`insert into webhook_deliveries (endpoint_id, message_id, event_type, payload, next_attempt_at)
    select e.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), ${type}, ${payloadJson(type, data, at)}, now()
    from webhook_endpoints e
    where e.user_id = (${ownerSql}) and e.enabled and ${type} = any(e.event_types) and ${only}`;
}

/** Writes an event about an asset (for its owner); returns how many deliveries were queued. */
export async function enqueueAssetEvent(
  db: Executor,
  type: Extract<WebhookEventType, 'asset.ready' | 'asset.failed' | 'upload.received'>,
  assetId: string,
  data: WebhookPayload['data'],
  at: Date,
): Promise<number> {
  const result = await db.execute(
    sql`${outboxInsertSql(type, sql`select owner_id from assets where id = ${assetId}::uuid`, { assetId, ...data }, at)} returning 1`,
  );
  return rowsOf(result).length;
}
