/** Request and answer shapes of the webhooks API (OpenAPI components). */
import { z } from '@hono/zod-openapi';
import { safeText } from '../api/text.ts';
import { WEBHOOK_EVENT_TYPES } from '../../shared/webhooks/events.ts';
import type { DeliveryRow, EndpointRow } from './webhooks-store.ts';

const eventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((s) => new Set(s).size === s.length, 'Each event type once.');
const url = z.string().min(1).max(2048).openapi({ example: 'https://hooks.example.com/media' });
const description = safeText({ max: 200, trim: true });

export const endpointCreate = z
  .strictObject({ url, events: eventTypes, description: description.optional() })
  .openapi('WebhookEndpointCreate');

export const endpointUpdate = z
  .strictObject({
    url: url.optional(),
    events: eventTypes.optional(),
    description: description.optional(),
    enabled: z.boolean().optional().openapi({ description: 'true re-enables an endpoint disabled after failed deliveries' }),
  })
  .refine((b) => Object.keys(b).length > 0, 'Change at least one field.')
  .openapi('WebhookEndpointUpdate');

export const endpointSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    description: z.string(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    disabledAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    previousSecretExpiresAt: z
      .string()
      .nullable()
      .openapi({ description: 'After a rotation, the previous secret also signs until then (two signatures per message)' }),
  })
  .openapi('WebhookEndpoint');

export const endpointWithSecret = z
  .object({ endpoint: endpointSchema, secret: z.string().openapi({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }) })
  .openapi('WebhookEndpointSecret');

export const deliverySchema = z
  .object({
    id: z.uuid(),
    messageId: z.string().openapi({ description: 'The webhook-id header' }),
    eventType: z.string(),
    state: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.int(),
    nextAttemptAt: z.string().nullable(),
    lastStatus: z.int().nullable().openapi({ description: 'HTTP status of the last attempt (null: no answer)' }),
    lastError: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    failedAt: z.string().nullable(),
    createdAt: z.string(),
    payload: z.string().openapi({ description: 'The JSON body that is signed and sent' }),
  })
  .openapi('WebhookDelivery');

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const endpointView = (e: EndpointRow): z.infer<typeof endpointSchema> => ({
  id: e.id,
  url: e.url,
  events: e.eventTypes as z.infer<typeof endpointSchema>['events'],
  description: e.description,
  enabled: e.enabled,
  disabledReason: e.disabledReason,
  disabledAt: iso(e.disabledAt),
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
  previousSecretExpiresAt:
    e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date() ? e.previousSecretExpiresAt.toISOString() : null,
});

export const deliveryView = (d: DeliveryRow): z.infer<typeof deliverySchema> => ({
  id: d.id,
  messageId: d.messageId,
  eventType: d.eventType,
  state: d.deliveredAt ? 'delivered' : d.failedAt ? 'failed' : 'pending',
  attempts: d.attempts,
  nextAttemptAt: iso(d.nextAttemptAt),
  lastStatus: d.lastStatus,
  lastError: d.lastError,
  lastAttemptAt: iso(d.lastAttemptAt),
  deliveredAt: iso(d.deliveredAt),
  failedAt: iso(d.failedAt),
  createdAt: d.createdAt.toISOString(),
  payload: d.payload,
});
