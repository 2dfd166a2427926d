/**
 * API keys of the signed-in account: list, create (the secret is answered
 * once), revoke. Session only: a key can never list, make or revoke keys
 * (./route-scopes.ts). A key acts as its user, narrowed to its scopes.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { BODY_LIMITS } from '../../api/json-body.ts';
import { requestMeta } from '../../api/request-context.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn, uuidParam } from '../../api/router.ts';
import { safeText } from '../../api/text.ts';
import { userEvent, writeAudit } from '../../audit/write-audit.ts';
import { AppError } from '../../errors.ts';
import { currentUser } from '../authenticate.ts';
import { type ApiKeyRow, insertApiKey, listApiKeys, liveKeyCount, MAX_LIVE_KEYS, revokeApiKey } from './api-keys-store.ts';
import { displayPrefix, newApiKey, SCOPES } from './key-format.ts';

const tags = ['API keys'];
/** The longest life a key may be given (none: no expiry). */
const MAX_KEY_LIFE_DAYS = 730;

const createBody = z
  .strictObject({
    name: safeText({ min: 1, max: 100, trim: true }),
    scopes: z
      .array(z.enum(SCOPES))
      .min(1)
      .max(SCOPES.length)
      .refine((s) => new Set(s).size === s.length, 'Each scope once.'),
    expiresAt: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .openapi({ description: 'Omit or null for a key that does not expire' }),
  })
  .openapi('ApiKeyCreate');

const keySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().openapi({ example: 'mpk_abcdefghij_' }),
    scopes: z.array(z.enum(SCOPES)),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable().openapi({ description: 'Recorded at most once a minute' }),
  })
  .openapi('ApiKey');

const iso = (d: Date | null) => d?.toISOString() ?? null;
const view = (k: ApiKeyRow): z.infer<typeof keySchema> => ({
  id: k.id,
  name: k.name,
  prefix: displayPrefix(k.prefix),
  scopes: k.scopes as z.infer<typeof keySchema>['scopes'],
  createdAt: k.createdAt.toISOString(),
  expiresAt: iso(k.expiresAt),
  revokedAt: iso(k.revokedAt),
  lastUsedAt: iso(k.lastUsedAt),
});

const badExpiry = () =>
  new AppError('validation_failed', 'The request body is invalid.', {
    details: {
      fields: [{ field: 'expiresAt', code: 'custom', message: `Must be in the future and at most ${MAX_KEY_LIFE_DAYS} days away.` }],
    },
  });

export const apiKeysRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/auth/api-keys',
      tags,
      summary: 'The API keys of the account (revoked ones too)',
      ...signedIn,
      responses: { 200: jsonResponse(z.object({ keys: z.array(keySchema) }).openapi('ApiKeyList'), 'Keys'), ...errorResponses(401, 403) },
    }),
    async (c) => c.json({ keys: (await listApiKeys(c.get('services').db(), currentUser(c).id)).map(view) }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/api-keys',
      tags,
      summary: 'Create an API key; its secret is in this answer only',
      description: 'Use it as `Authorization: Bearer <secret>` or `X-API-Key: <secret>`.',
      ...signedIn,
      request: { body: jsonBody(createBody, { maxBytes: BODY_LIMITS.small }) },
      responses: {
        201: jsonResponse(z.object({ key: keySchema, secret: z.string() }).openapi('ApiKeyCreated'), 'Created'),
        ...errorResponses(400, 401, 403, 409, 413, 415),
      },
    }),
    async (c) => {
      const caller = currentUser(c);
      const body = c.req.valid('json');
      const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
      const now = Date.now();
      if (expiresAt && (expiresAt.getTime() <= now || expiresAt.getTime() > now + MAX_KEY_LIFE_DAYS * 86_400_000)) throw badExpiry();
      const fresh = await newApiKey();
      const db = c.get('services').db();
      const row = await db.transaction(async (tx) => {
        if ((await liveKeyCount(tx, caller.id)) >= MAX_LIVE_KEYS) return undefined;
        const inserted = await insertApiKey(tx, {
          userId: caller.id,
          name: body.name,
          prefix: fresh.prefix,
          secretHash: fresh.secretHash,
          scopes: body.scopes,
          expiresAt,
        });
        await writeAudit(tx, requestMeta(c), {
          action: 'auth.api_key_create',
          ...userEvent(caller.id),
          detail: { keyId: inserted.id, scopes: body.scopes },
        });
        return inserted;
      });
      if (!row) throw new AppError('conflict', `At most ${MAX_LIVE_KEYS} API keys; revoke one first.`);
      return c.json({ key: view(row), secret: fresh.key }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/auth/api-keys/{id}',
      tags,
      summary: 'Revoke an API key (at once, for every request)',
      ...signedIn,
      request: { params: z.object({ id: uuidParam }) },
      responses: { 204: { description: 'Revoked' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = currentUser(c);
      const { id } = c.req.valid('param');
      const db = c.get('services').db();
      const revoked = await db.transaction(async (tx) => {
        if (!(await revokeApiKey(tx, caller.id, id))) return false;
        await writeAudit(tx, requestMeta(c), { action: 'auth.api_key_revoke', ...userEvent(caller.id), detail: { keyId: id } });
        return true;
      });
      if (!revoked) throw new AppError('not_found', 'No such API key.');
      return c.body(null, 204);
    },
  );
