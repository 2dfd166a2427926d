/**
 * Grants: `POST /api/grants` (create, or update the principal's existing
 * grant on that resource: 201 / 200; a user principal may be named by
 * `principalEmail` instead of `principalId`), `GET /api/grants?resourceType=&resourceId=`,
 * `PATCH /api/grants/:id` {permission?, expiresAt?} and `DELETE /api/grants/:id`.
 * Every one needs `manage` on the grant's resource (access policy); a caller
 * who cannot see the resource gets 404, one who sees it without `manage` 403.
 * Expiries must be in the future; `expiresAt: null` means no expiry.
 *
 * People: a user principal must share an org with the caller, whether named
 * by id or by email; anyone else (no account, or a stranger's) is one 404, so
 * the route tells nobody whether an address is registered. Listings name
 * only people the caller shares an org with (`principalHidden` otherwise).
 * Nobody grants themselves anything: a grant naming the caller (their id or
 * their email), or a change to the caller's own grant, is 400 `self_grant`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn, uuidParam } from '../api/router.ts';
import { currentUser } from '../auth/authenticate.ts';
import { AppError } from '../errors.ts';
import {
  checkPrincipal,
  deleteGrant,
  listGrants,
  loadGrant,
  personByEmail,
  refuseSelfGrant,
  updateGrant,
  upsertGrant,
} from './grants.service.ts';
import { requireLive, requireResource } from './resource-access.ts';
import {
  grantSchema,
  idParams,
  instantSchema,
  permissionSchema,
  principalTypeSchema,
  resourceQuery,
  resourceTypeSchema,
} from './schemas.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { requestMeta } from '../api/request-context.ts';

const futureInstant = instantSchema.refine((s) => Date.parse(s) > Date.now(), { message: 'Must be in the future.' });

const createBody = z
  .strictObject({
    resourceType: resourceTypeSchema,
    resourceId: uuidParam,
    principalType: principalTypeSchema,
    principalId: uuidParam.optional().openapi({ description: 'The user, group or org. Give this or principalEmail.' }),
    principalEmail: z
      .string()
      .trim()
      .max(254)
      .pipe(z.email({ message: 'Must be an email address.' }))
      .optional()
      .openapi({
        description: 'The email of someone who shares an org with the caller, instead of principalId (principalType user only).',
      }),
    permission: permissionSchema,
    expiresAt: futureInstant.nullable().optional(),
  })
  .refine((b) => b.principalEmail === undefined || b.principalType === 'user', {
    path: ['principalEmail'],
    message: 'Only a user can be named by email; give principalId for a group or org.',
  })
  .refine((b) => b.principalEmail !== undefined || b.principalType !== 'user' || b.principalId !== undefined, {
    path: ['principalId'],
    message: 'Give principalId or principalEmail.',
  })
  .refine((b) => b.principalType !== 'user' || b.principalId === undefined || b.principalEmail === undefined, {
    path: ['principalEmail'],
    message: 'Give principalId or principalEmail, not both.',
  })
  .refine((b) => b.principalType === 'user' || b.principalId !== undefined, { path: ['principalId'], message: 'Required.' })
  .openapi('CreateGrant');

const patchBody = z
  .strictObject({ permission: permissionSchema.optional(), expiresAt: futureInstant.nullable().optional() })
  .refine((b) => b.permission !== undefined || b.expiresAt !== undefined, { message: 'Give permission or expiresAt.' })
  .openapi('UpdateGrant');

const toDate = (s: string | null | undefined) => (s === undefined ? undefined : s === null ? null : new Date(s));

const tags = ['Grants'];

export const grantRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/grants',
      tags,
      ...signedIn,
      summary: 'Grant a permission on an asset or collection (manage holders)',
      request: { body: jsonBody(createBody) },
      responses: {
        201: jsonResponse(grantSchema, 'Created'),
        200: jsonResponse(grantSchema, "Updated the principal's existing grant"),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = currentUser(c);
      const db = c.get('services').db();
      const resource = await requireResource(db, user.id, { type: body.resourceType, id: body.resourceId }, 'manage');
      requireLive(resource);
      await refuseSelfGrant(db, user.id, body);
      let principalId: string;
      if (body.principalEmail !== undefined) {
        principalId = await personByEmail(db, user.id, body.principalEmail);
      } else {
        principalId = body.principalId!;
        await checkPrincipal(db, user.id, body.principalType, principalId);
      }
      const { grant, created } = await upsertGrant(db, {
        resource,
        principalType: body.principalType,
        principalId,
        permission: body.permission,
        expiresAt: toDate(body.expiresAt) ?? null,
        grantedBy: user.id,
      });
      await writeAudit(db, requestMeta(c), {
        action: created ? 'grant.create' : 'grant.update',
        actorId: user.id,
        resource,
        detail: {
          grantId: grant.id,
          principalType: grant.principalType,
          principalId: grant.principalId,
          permission: grant.permission,
          expiresAt: grant.expiresAt,
        },
      });
      return created ? c.json(grant, 201) : c.json(grant, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/grants',
      tags,
      ...signedIn,
      summary: 'The grants on an asset or collection (manage holders)',
      request: { query: resourceQuery },
      responses: { 200: jsonResponse(z.object({ items: z.array(grantSchema) }), 'The grants'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const db = c.get('services').db();
      const resource = await requireResource(db, currentUser(c).id, { type: q.resourceType, id: q.resourceId }, 'manage');
      return c.json({ items: await listGrants(db, resource, currentUser(c).id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/grants/{id}',
      tags,
      ...signedIn,
      summary: "Change a grant's permission or expiry (manage holders)",
      request: { params: idParams, body: jsonBody(patchBody) },
      responses: { 200: jsonResponse(grantSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const user = currentUser(c);
      const db = c.get('services').db();
      const existing = await loadGrant(db, id);
      if (!existing) throw new AppError('not_found', 'No such grant.');
      const resource = await requireResource(db, user.id, { type: existing.resourceType, id: existing.resourceId }, 'manage');
      await refuseSelfGrant(db, user.id, existing);
      const grant = await updateGrant(db, id, { permission: body.permission, expiresAt: toDate(body.expiresAt) }, user.id);
      await writeAudit(db, requestMeta(c), {
        action: 'grant.update',
        actorId: user.id,
        resource,
        detail: {
          grantId: id,
          principalType: grant.principalType,
          principalId: grant.principalId,
          permission: grant.permission,
          expiresAt: grant.expiresAt,
        },
      });
      return c.json(grant, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/grants/{id}',
      tags,
      ...signedIn,
      summary: 'Delete a grant (manage holders)',
      request: { params: idParams },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const user = currentUser(c);
      const db = c.get('services').db();
      const existing = await loadGrant(db, id);
      if (!existing) throw new AppError('not_found', 'No such grant.');
      const resource = await requireResource(db, user.id, { type: existing.resourceType, id: existing.resourceId }, 'manage');
      await deleteGrant(db, id);
      await writeAudit(db, requestMeta(c), {
        action: 'grant.delete',
        actorId: user.id,
        resource,
        detail: { grantId: id, principalType: existing.principalType, principalId: existing.principalId, permission: existing.permission },
      });
      return c.body(null, 204);
    },
  );
