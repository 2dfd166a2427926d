/**
 * Webhook endpoint and delivery rows, always narrowed to their owner: a
 * lookup of someone else's endpoint finds nothing (the routes answer 404).
 */
import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { webhookDeliveries, webhookEndpoints } from '../../shared/db/schema.ts';
import { newMessageId, payloadJson, TEST_EVENT_TYPE } from '../../shared/webhooks/events.ts';

/** Endpoints per user (a guard against runaway scripts, not a quota). */
export const MAX_ENDPOINTS = 10;
/** After a rotation the previous secret also signs for this long, so receivers can switch without losing messages. */
export const ROTATION_OVERLAP_HOURS = 24;

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export async function endpointCount(db: Database, userId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId));
  return Number(row?.n ?? 0);
}

/** Locks the user's row so two concurrent creations cannot both pass the cap. */
export async function lockUser(db: Database, userId: string): Promise<void> {
  await db.execute(sql`select 1 from users where id = ${userId}::uuid for update`);
}

export async function insertEndpoint(
  db: Database,
  row: { id: string; userId: string; url: string; eventTypes: string[]; description: string; secretSealed: string },
): Promise<EndpointRow> {
  const [inserted] = await db.insert(webhookEndpoints).values(row).returning();
  return inserted!;
}

export async function listEndpoints(db: Database, userId: string): Promise<EndpointRow[]> {
  return db.select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId)).orderBy(desc(webhookEndpoints.createdAt));
}

export async function findEndpoint(db: Database, userId: string, id: string): Promise<EndpointRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)));
  return row;
}

export async function updateEndpoint(
  db: Database,
  userId: string,
  id: string,
  changes: { url?: string; eventTypes?: string[]; description?: string; enabled?: boolean },
): Promise<EndpointRow | undefined> {
  const set: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: sql`now()` as unknown as Date };
  if (changes.url !== undefined) set.url = changes.url;
  if (changes.eventTypes !== undefined) set.eventTypes = changes.eventTypes;
  if (changes.description !== undefined) set.description = changes.description;
  if (changes.enabled === true) Object.assign(set, { enabled: true, disabledReason: null, disabledAt: null });
  if (changes.enabled === false) Object.assign(set, { enabled: false, disabledReason: 'disabled by the owner', disabledAt: sql`now()` });
  const [row] = await db
    .update(webhookEndpoints)
    .set(set)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
    .returning();
  return row;
}

/** New secret; the current one becomes the previous for the overlap. */
export async function rotateSecret(db: Database, userId: string, id: string, sealed: string): Promise<EndpointRow | undefined> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      previousSecretSealed: sql`${webhookEndpoints.secretSealed}`,
      previousSecretExpiresAt: sql`now() + ${ROTATION_OVERLAP_HOURS} * interval '1 hour'`,
      secretSealed: sealed,
      updatedAt: sql`now()`,
    })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
    .returning();
  return row;
}

export async function deleteEndpoint(db: Database, userId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, userId)))
    .returning({ id: webhookEndpoints.id });
  return rows.length === 1;
}

export async function listDeliveries(db: Database, endpointId: string, limit: number): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.endpointId, endpointId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit);
}

/** Queues a `webhook.test` delivery to one endpoint (even a disabled one: testing is how an owner checks a fix). */
export async function insertTestDelivery(db: Database, endpointId: string, now: Date): Promise<DeliveryRow> {
  const [row] = await db
    .insert(webhookDeliveries)
    .values({
      endpointId,
      messageId: newMessageId(),
      eventType: TEST_EVENT_TYPE,
      payload: payloadJson(TEST_EVENT_TYPE, { endpointId }, now),
      nextAttemptAt: sql`now()` as unknown as Date,
    })
    .returning();
  return row!;
}

/**
 * Sends a delivery again from its first attempt (same `webhook-id`, so a
 * receiver that deduplicates sees the same message). Undefined when it is
 * not one of this endpoint's.
 */
export async function rearmDelivery(db: Database, endpointId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ attempts: 0, nextAttemptAt: sql`now()`, failedAt: null, deliveredAt: null, lastError: null })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)))
    .returning();
  return row;
}
