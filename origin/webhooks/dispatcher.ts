/**
 * The webhook dispatcher: claims due deliveries from the outbox
 * (`FOR UPDATE SKIP LOCKED`, so several dispatchers never take the same
 * row), signs each per Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`, with the current secret and, during a rotation's
 * overlap, the previous one too), POSTs it (./send.ts), and records the
 * outcome: 2xx is delivered; anything else is retried on the schedule of
 * ./backoff.ts, and after the last attempt the delivery is failed and the
 * endpoint disabled with a reason. A claim is a lease: the row's
 * `next_attempt_at` is pushed past the send's deadline, so a dispatcher
 * that dies mid-send leaves the row to be taken again, and the outcome is
 * recorded only by the attempt that holds it (`attempts` is the fence).
 *
 * Runs locally in the dev stack's loop (local/stack.ts) and in AWS in a
 * scheduled Lambda (origin/handlers/webhooks.ts).
 */
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import type { OriginConfig } from '../../shared/config.ts';
import type { Database } from '../../shared/db/database.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import { TEST_EVENT_TYPE } from '../../shared/webhooks/events.ts';
import { openWebhookSecret, webhookKeyMaterial } from '../../shared/webhooks/secret-box.ts';
import type { UrlPolicy } from '../../shared/webhooks/address-policy.ts';
import type { Logger } from '../core/deps.ts';
import { MAX_ATTEMPTS, retryDelayMs } from './backoff.ts';
import { type Resolver, type SendResult, sendWebhook } from './send.ts';

export interface WebhookSettings {
  /** WEBHOOK_SECRET_KEY (or the local key outside production). */
  keyMaterial: string;
  policy: UrlPolicy;
  /** Deadline of one POST. @default 10 s */
  timeoutMs?: number;
}

/** Settings from the origin's parsed config. @throws WebhookKeyMissingError in production without a key */
export const webhookSettings = (
  c: Pick<OriginConfig, 'APP_ENV' | 'WEBHOOK_SECRET_KEY' | 'WEBHOOK_ALLOW_LOOPBACK_HTTP'>,
): WebhookSettings => ({
  keyMaterial: webhookKeyMaterial(c),
  policy: { allowLoopback: c.WEBHOOK_ALLOW_LOOPBACK_HTTP },
});

export interface DispatchDeps {
  db: Database;
  now: () => Date;
  log: Logger;
  webhooks: WebhookSettings;
  /** Tests: a resolver standing in for DNS. */
  resolve?: Resolver;
}

interface Claimed {
  id: string;
  endpoint_id: string;
  message_id: string;
  event_type: string;
  payload: string;
  attempts: number;
  url: string;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: string | Date | null;
}

export interface DispatchResult {
  delivered: number;
  retrying: number;
  failed: number;
  disabled: string[];
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** How long a claim holds a row beyond the send deadline. */
const LEASE_SLACK_MS = 60_000;
const PARALLEL = 4;

/** Claims up to `limit` due deliveries (their endpoint enabled, or a test event). */
async function claim(deps: DispatchDeps, limit: number, leaseMs: number): Promise<Claimed[]> {
  const now = deps.now();
  const leaseUntil = new Date(now.getTime() + leaseMs);
  return deps.db.transaction(async (tx) => {
    const result = await tx.execute(sql`
      with due as (
        select d.id from webhook_deliveries d
        join webhook_endpoints e on e.id = d.endpoint_id
        where d.next_attempt_at is not null and d.next_attempt_at <= ${now.toISOString()}::timestamptz
          and (e.enabled or d.event_type = ${TEST_EVENT_TYPE})
        order by d.next_attempt_at
        limit ${limit}
        for update of d skip locked)
      update webhook_deliveries d set next_attempt_at = ${leaseUntil.toISOString()}::timestamptz, attempts = d.attempts + 1
      from due, webhook_endpoints e
      where d.id = due.id and e.id = d.endpoint_id
      returning d.id, d.endpoint_id, d.message_id, d.event_type, d.payload, d.attempts, e.url, e.secret_sealed,
        e.previous_secret_sealed, e.previous_secret_expires_at`);
    return rowsOf<Claimed>(result);
  });
}

/** The `webhook-signature` value: one `v1,<base64>` per live secret, space-separated. */
async function signatures(deps: DispatchDeps, row: Claimed, at: Date): Promise<string> {
  const secrets = [await openWebhookSecret(deps.webhooks.keyMaterial, row.endpoint_id, row.secret_sealed)];
  const previousUntil = row.previous_secret_expires_at === null ? null : new Date(row.previous_secret_expires_at);
  if (row.previous_secret_sealed && previousUntil && previousUntil > at)
    secrets.push(await openWebhookSecret(deps.webhooks.keyMaterial, row.endpoint_id, row.previous_secret_sealed));
  return secrets.map((s) => new Webhook(s).sign(row.message_id, at, row.payload)).join(' ');
}

async function attempt(deps: DispatchDeps, row: Claimed): Promise<SendResult> {
  const at = deps.now();
  let signature: string;
  try {
    signature = await signatures(deps, row, at);
  } catch {
    return { error: 'the signing secret could not be opened (WEBHOOK_SECRET_KEY changed?)' };
  }
  return sendWebhook({
    url: row.url,
    body: row.payload,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'media-platform-webhooks/1',
      'webhook-id': row.message_id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
    policy: deps.webhooks.policy,
    timeoutMs: deps.webhooks.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
  });
}

type Outcome = 'delivered' | 'retrying' | 'failed';

/** Records one attempt's outcome (only while this attempt still holds the row). */
async function record(deps: DispatchDeps, row: Claimed, result: SendResult): Promise<{ outcome: Outcome; disabled: boolean }> {
  const now = deps.now();
  const status = 'status' in result ? result.status : null;
  const error =
    'error' in result ? result.error.slice(0, 500) : status !== null && (status < 200 || status > 299) ? `HTTP ${status}` : null;
  const ok = status !== null && status >= 200 && status <= 299;
  // A test event is tried once and never disables its endpoint.
  const delay = ok || row.event_type === TEST_EVENT_TYPE ? null : retryDelayMs(row.attempts);
  const outcome: Outcome = ok ? 'delivered' : delay === null ? 'failed' : 'retrying';
  const next = delay === null ? null : new Date(now.getTime() + delay).toISOString();
  const fence = sql`id = ${row.id}::uuid and attempts = ${row.attempts}`;
  return deps.db.transaction(async (tx) => {
    const updated = rowsOf(
      await tx.execute(sql`update webhook_deliveries set last_status = ${status}, last_error = ${error},
        last_attempt_at = ${now.toISOString()}::timestamptz, next_attempt_at = ${next}::timestamptz,
        delivered_at = ${ok ? now.toISOString() : null}::timestamptz,
        failed_at = ${outcome === 'failed' ? now.toISOString() : null}::timestamptz
        where ${fence} returning id`),
    );
    let disabled = false;
    if (updated.length > 0 && outcome === 'failed' && row.event_type !== TEST_EVENT_TYPE && row.attempts >= MAX_ATTEMPTS) {
      const reason = `${MAX_ATTEMPTS} attempts of ${row.message_id} failed over about a day; last: ${error ?? 'no answer'}`;
      const off = rowsOf(
        await tx.execute(sql`update webhook_endpoints set enabled = false, disabled_reason = ${reason},
          disabled_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
          where id = ${row.endpoint_id}::uuid and enabled returning id`),
      );
      disabled = off.length > 0;
    }
    return { outcome, disabled };
  });
}

/** One pass: claims up to `limit` due deliveries and sends them, a few at a time. */
export async function dispatchWebhooks(deps: DispatchDeps, { limit = 50 } = {}): Promise<DispatchResult> {
  const timeoutMs = deps.webhooks.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const rows = await claim(deps, limit, timeoutMs + LEASE_SLACK_MS);
  const result: DispatchResult = { delivered: 0, retrying: 0, failed: 0, disabled: [] };
  const queue = [...rows];
  const worker = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      const sent = await attempt(deps, row);
      const { outcome, disabled } = await record(deps, row, sent);
      result[outcome]++;
      if (disabled) result.disabled.push(row.endpoint_id);
      const fields = { deliveryId: row.id, endpointId: row.endpoint_id, attempt: row.attempts, outcome, ...sent };
      if (outcome === 'delivered') deps.log.info('webhook delivered', fields);
      else deps.log.warn('webhook attempt failed', fields);
      if (disabled) deps.log.warn('webhook endpoint disabled', { endpointId: row.endpoint_id });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, rows.length) }, worker));
  return result;
}
