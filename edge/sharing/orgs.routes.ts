/**
 * Orgs: `POST /api/orgs` {name, slug} (the creator becomes its owner),
 * `GET /api/orgs` (the caller's), `GET /api/orgs/:id` (members only) and
 * `PATCH /api/orgs/:id` (owners and admins: name and the share-link default
 * and maximum life, default ≤ max). Non-members get 404.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn } from '../api/router.ts';
import { currentUser } from '../auth/authenticate.ts';
import { AppError } from '../errors.ts';
import {
  MANAGERS,
  ORG_TTL_MAX,
  ORG_TTL_MIN,
  createOrg,
  listMyOrgs,
  loadOrg,
  requireOrgRole,
  updateOrg,
  type OrgRole,
  type OrgRow,
} from './orgs.service.ts';
import { displayName, idParams, orgSchema } from './schemas.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { requestMeta } from '../api/request-context.ts';

const ttl = z.number().int().min(ORG_TTL_MIN).max(ORG_TTL_MAX).openapi({ description: 'Seconds' });

const createBody = z
  .strictObject({
    name: displayName,
    slug: z
      .string()
      .min(2)
      .max(63)
      .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, { message: 'Lower-case letters, digits and inner hyphens only.' }),
  })
  .openapi('CreateOrg');

const patchBody = z
  .strictObject({ name: displayName.optional(), shareLinkDefaultTtl: ttl.optional(), shareLinkMaxTtl: ttl.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'Give at least one field to change.' })
  .refine((b) => b.shareLinkDefaultTtl === undefined || b.shareLinkMaxTtl === undefined || b.shareLinkDefaultTtl <= b.shareLinkMaxTtl, {
    path: ['shareLinkDefaultTtl'],
    message: 'Must not exceed shareLinkMaxTtl.',
  })
  .openapi('UpdateOrg');

const view = (org: OrgRow, role: OrgRole) => ({
  id: org.id,
  name: org.name,
  slug: org.slug,
  role,
  shareLinkDefaultTtl: org.shareLinkDefaultTtl,
  shareLinkMaxTtl: org.shareLinkMaxTtl,
  createdAt: org.createdAt.toISOString(),
});

const tags = ['Orgs'];

export const orgRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs',
      tags,
      ...signedIn,
      summary: 'Create an org; the caller becomes its owner',
      request: { body: jsonBody(createBody) },
      responses: { 201: jsonResponse(orgSchema, 'Created'), ...errorResponses(400, 401, 409, 413, 415) },
    }),
    async (c) => {
      const user = currentUser(c);
      const db = c.get('services').db();
      const org = await createOrg(db, user.id, c.req.valid('json'));
      if (!org) throw new AppError('conflict', 'This slug is taken.');
      await writeAudit(db, requestMeta(c), {
        action: 'org.create',
        actorId: user.id,
        resource: { type: 'org', id: org.id },
        detail: { slug: org.slug },
      });
      return c.json(view(org, 'owner'), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs',
      tags,
      ...signedIn,
      summary: "The caller's orgs",
      responses: { 200: jsonResponse(z.object({ items: z.array(orgSchema) }), 'The orgs'), ...errorResponses(401) },
    }),
    async (c) => {
      const rows = await listMyOrgs(c.get('services').db(), currentUser(c).id);
      return c.json({ items: rows.map((r) => view(r, r.role)) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{id}',
      tags,
      ...signedIn,
      summary: 'One org (members only)',
      request: { params: idParams },
      responses: { 200: jsonResponse(orgSchema, 'The org'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('services').db();
      const role = await requireOrgRole(db, id, currentUser(c).id);
      const org = await loadOrg(db, id);
      if (!org) throw new AppError('not_found', 'No such org.');
      return c.json(view(org, role), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{id}',
      tags,
      ...signedIn,
      summary: 'Rename an org or change its share-link lifetimes (owner, admin)',
      request: { params: idParams, body: jsonBody(patchBody) },
      responses: { 200: jsonResponse(orgSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const user = currentUser(c);
      const db = c.get('services').db();
      const role = await requireOrgRole(db, id, user.id, MANAGERS);
      const org = await updateOrg(db, id, body);
      await writeAudit(db, requestMeta(c), {
        action: 'org.update',
        actorId: user.id,
        resource: { type: 'org', id },
        detail: { fields: Object.keys(body) },
      });
      return c.json(view(org, role), 200);
    },
  );
