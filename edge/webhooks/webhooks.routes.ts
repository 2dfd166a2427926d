/**
 * Webhook endpoints of the signed-in account (Standard Webhooks): create (the
 * `whsec_…` secret is in that answer only), list, read, change, delete,
 * rotate the secret, read the delivery log, send a test event, redeliver.
 * Session only, never with an API key (edge/auth/api-keys/route-scopes.ts):
 * an endpoint receives events about everything its owner has, so adding one
 * is an account decision. Another user's endpoint or delivery is 404.
 * Nothing is sent from here: rows go to the outbox and the origin's
 * dispatcher delivers them (origin/webhooks/).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { requestMeta } from '../api/request-context.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn, uuidParam } from '../api/router.ts';
import { userEvent, writeAudit } from '../audit/write-audit.ts';
import { currentUser } from '../auth/authenticate.ts';
import { AppError } from '../errors.ts';
import type { EdgeConfig } from '../../shared/config.ts';
import { checkWebhookUrl } from '../../shared/webhooks/address-policy.ts';
import { newWebhookSecret, sealWebhookSecret, WebhookKeyMissingError, webhookKeyMaterial } from '../../shared/webhooks/secret-box.ts';
import {
  deliverySchema,
  deliveryView,
  endpointCreate,
  endpointSchema,
  endpointUpdate,
  endpointView,
  endpointWithSecret,
} from './schemas.ts';
import {
  deleteEndpoint,
  endpointCount,
  findEndpoint,
  insertEndpoint,
  insertTestDelivery,
  listDeliveries,
  listEndpoints,
  lockUser,
  MAX_ENDPOINTS,
  rearmDelivery,
  rotateSecret,
  updateEndpoint,
} from './webhooks-store.ts';

const tags = ['Webhooks'];
const idParams = z.object({ id: uuidParam });

function keyMaterial(config: EdgeConfig): string {
  try {
    return webhookKeyMaterial(config);
  } catch (err) {
    if (!(err instanceof WebhookKeyMissingError)) throw err;
    console.error(JSON.stringify({ level: 'error', msg: 'WEBHOOK_SECRET_KEY is not set' }));
    throw new AppError('misconfigured', 'The service is misconfigured.');
  }
}

/** The URL, if it may receive webhooks; a 400 naming the field otherwise. */
function acceptedUrl(config: EdgeConfig, raw: string): string {
  const check = checkWebhookUrl(raw, { allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK_HTTP });
  if (!check.ok)
    throw new AppError('validation_failed', check.message, {
      details: { fields: [{ field: 'url', code: check.reason, message: check.message }] },
    });
  return check.url.href;
}

const noEndpoint = () => new AppError('not_found', 'No such webhook endpoint.');

export const webhooksRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/webhooks',
      tags,
      summary: 'The webhook endpoints of the account',
      ...signedIn,
      responses: {
        200: jsonResponse(z.object({ endpoints: z.array(endpointSchema) }).openapi('WebhookEndpointList'), 'Endpoints'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ endpoints: (await listEndpoints(c.get('services').db(), currentUser(c).id)).map(endpointView) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/webhooks',
      tags,
      summary: 'Register a webhook endpoint; its signing secret is in this answer only',
      description:
        'The URL must be https and must not name a private, loopback or link-local address (checked again, after DNS, before every delivery).',
      ...signedIn,
      request: { body: jsonBody(endpointCreate) },
      responses: { 201: jsonResponse(endpointWithSecret, 'Created'), ...errorResponses(400, 401, 403, 409, 413, 415) },
    }),
    async (c) => {
      const caller = currentUser(c);
      const body = c.req.valid('json');
      const { config, db } = c.get('services');
      const url = acceptedUrl(config, body.url);
      const id = crypto.randomUUID();
      const secret = newWebhookSecret();
      const secretSealed = await sealWebhookSecret(keyMaterial(config), id, secret);
      const row = await db().transaction(async (tx) => {
        await lockUser(tx, caller.id);
        if ((await endpointCount(tx, caller.id)) >= MAX_ENDPOINTS) return undefined;
        const inserted = await insertEndpoint(tx, {
          id,
          userId: caller.id,
          url,
          eventTypes: body.events,
          description: body.description ?? '',
          secretSealed,
        });
        await writeAudit(tx, requestMeta(c), {
          action: 'auth.webhook_create',
          ...userEvent(caller.id),
          detail: { endpointId: id, events: body.events },
        });
        return inserted;
      });
      if (!row) throw new AppError('conflict', `At most ${MAX_ENDPOINTS} webhook endpoints; delete one first.`);
      return c.json({ endpoint: endpointView(row), secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/webhooks/{id}',
      tags,
      summary: 'One webhook endpoint',
      ...signedIn,
      request: { params: idParams },
      responses: { 200: jsonResponse(endpointSchema, 'The endpoint'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const row = await findEndpoint(c.get('services').db(), currentUser(c).id, c.req.valid('param').id);
      if (!row) throw noEndpoint();
      return c.json(endpointView(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/webhooks/{id}',
      tags,
      summary: 'Change the URL, events or description, or enable/disable an endpoint',
      ...signedIn,
      request: { params: idParams, body: jsonBody(endpointUpdate) },
      responses: { 200: jsonResponse(endpointSchema, 'The endpoint'), ...errorResponses(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const caller = currentUser(c);
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const { config, db } = c.get('services');
      const url = body.url === undefined ? undefined : acceptedUrl(config, body.url);
      const row = await db().transaction(async (tx) => {
        const updated = await updateEndpoint(tx, caller.id, id, {
          ...(url === undefined ? {} : { url }),
          ...(body.events === undefined ? {} : { eventTypes: body.events }),
          ...(body.description === undefined ? {} : { description: body.description }),
          ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
        });
        if (updated)
          await writeAudit(tx, requestMeta(c), {
            action: 'auth.webhook_update',
            ...userEvent(caller.id),
            detail: { endpointId: id, fields: Object.keys(body) },
          });
        return updated;
      });
      if (!row) throw noEndpoint();
      return c.json(endpointView(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/webhooks/{id}',
      tags,
      summary: 'Delete an endpoint and its delivery log (pending deliveries are dropped)',
      ...signedIn,
      request: { params: idParams },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = currentUser(c);
      const { id } = c.req.valid('param');
      const deleted = await c
        .get('services')
        .db()
        .transaction(async (tx) => {
          if (!(await deleteEndpoint(tx, caller.id, id))) return false;
          await writeAudit(tx, requestMeta(c), { action: 'auth.webhook_delete', ...userEvent(caller.id), detail: { endpointId: id } });
          return true;
        });
      if (!deleted) throw noEndpoint();
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/webhooks/{id}/rotate-secret',
      tags,
      summary: 'Replace the signing secret; the new one is in this answer only',
      description:
        'For 24 hours the previous secret also signs: each message carries two `v1,` signatures, so a receiver can switch secrets without losing one. A second rotation ends the overlap of the first.',
      ...signedIn,
      request: { params: idParams },
      responses: { 200: jsonResponse(endpointWithSecret, 'Rotated'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = currentUser(c);
      const { id } = c.req.valid('param');
      const { config, db } = c.get('services');
      const secret = newWebhookSecret();
      const sealed = await sealWebhookSecret(keyMaterial(config), id, secret);
      const row = await db().transaction(async (tx) => {
        const rotated = await rotateSecret(tx, caller.id, id, sealed);
        if (rotated)
          await writeAudit(tx, requestMeta(c), { action: 'auth.webhook_rotate', ...userEvent(caller.id), detail: { endpointId: id } });
        return rotated;
      });
      if (!row) throw noEndpoint();
      return c.json({ endpoint: endpointView(row), secret }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/webhooks/{id}/deliveries',
      tags,
      summary: 'The delivery log of an endpoint (newest first)',
      ...signedIn,
      request: {
        params: idParams,
        query: z.object({
          limit: z.coerce
            .number()
            .int()
            .min(1)
            .max(100)
            .default(50)
            .openapi({ param: { name: 'limit', in: 'query' } }),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ deliveries: z.array(deliverySchema) }).openapi('WebhookDeliveryList'), 'Deliveries'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const db = c.get('services').db();
      const endpoint = await findEndpoint(db, currentUser(c).id, c.req.valid('param').id);
      if (!endpoint) throw noEndpoint();
      return c.json({ deliveries: (await listDeliveries(db, endpoint.id, c.req.valid('query').limit)).map(deliveryView) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/webhooks/{id}/test',
      tags,
      summary: 'Queue a `webhook.test` event to this endpoint (sent by the dispatcher within moments)',
      ...signedIn,
      request: { params: idParams },
      responses: { 202: jsonResponse(deliverySchema, 'Queued'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = c.get('services').db();
      const endpoint = await findEndpoint(db, currentUser(c).id, c.req.valid('param').id);
      if (!endpoint) throw noEndpoint();
      return c.json(deliveryView(await insertTestDelivery(db, endpoint.id, new Date())), 202);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/webhooks/{id}/deliveries/{deliveryId}/redeliver',
      tags,
      summary: 'Send a delivery again from its first attempt (same webhook-id)',
      ...signedIn,
      request: { params: z.object({ id: uuidParam, deliveryId: uuidParam }) },
      responses: { 202: jsonResponse(deliverySchema, 'Queued'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = c.get('services').db();
      const { id, deliveryId } = c.req.valid('param');
      const endpoint = await findEndpoint(db, currentUser(c).id, id);
      if (!endpoint) throw noEndpoint();
      if (!endpoint.enabled) throw new AppError('conflict', 'The endpoint is disabled; enable it first.');
      const row = await rearmDelivery(db, endpoint.id, deliveryId);
      if (!row) throw new AppError('not_found', 'No such delivery.');
      return c.json(deliveryView(row), 202);
    },
  );
