/**
 * Webhook event types and payloads (Standard Webhooks: `{ type, timestamp, data }`).
 * `data` names ids and states, never secrets, tokens or file contents.
 */
export const WEBHOOK_EVENT_TYPES = [
  'asset.ready',
  'asset.failed',
  'upload.received',
  'share_link.opened',
  'share_link.downloaded',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Sent only by "send test event"; no endpoint subscribes to it. */
export const TEST_EVENT_TYPE = 'webhook.test';

export interface WebhookPayload {
  type: WebhookEventType | typeof TEST_EVENT_TYPE;
  /** ISO 8601, when the event happened. */
  timestamp: string;
  data: Record<string, string | number | boolean | null>;
}

/** The exact JSON body a delivery signs and sends. */
export const payloadJson = (type: WebhookPayload['type'], data: WebhookPayload['data'], at: Date): string =>
  JSON.stringify({ type, timestamp: at.toISOString(), data } satisfies WebhookPayload);

/** A `webhook-id`: unique per delivery row, the same on every attempt of it. */
export const newMessageId = (): string => `msg_${crypto.randomUUID().replaceAll('-', '')}`;
