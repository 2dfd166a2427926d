/**
 * Groups inside an org: `POST /api/orgs/:id/groups` {name} (owner, admin),
 * `GET /api/orgs/:id/groups` (any member), `DELETE /api/groups/:id` (owner,
 * admin; its grants go with it). Callers outside the org get 404.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn } from '../api/router.ts';
import { currentUser } from '../auth/authenticate.ts';
import { createGroup, deleteGroup, listGroups, requireGroup } from './groups.service.ts';
import { MANAGERS, requireOrgRole } from './orgs.service.ts';
import { displayName, groupSchema, idParams } from './schemas.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { requestMeta } from '../api/request-context.ts';

const createBody = z.strictObject({ name: displayName }).openapi('CreateGroup');

const tags = ['Groups'];

export const groupRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{id}/groups',
      tags,
      ...signedIn,
      summary: 'Create a group in an org (owner, admin)',
      request: { params: idParams, body: jsonBody(createBody) },
      responses: { 201: jsonResponse(groupSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { name } = c.req.valid('json');
      const user = currentUser(c);
      const db = c.get('services').db();
      await requireOrgRole(db, id, user.id, MANAGERS);
      const group = await createGroup(db, id, name);
      await writeAudit(db, requestMeta(c), {
        action: 'group.create',
        actorId: user.id,
        resource: { type: 'org', id },
        detail: { groupId: group.id, name },
      });
      return c.json(group, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{id}/groups',
      tags,
      ...signedIn,
      summary: "An org's groups (members only)",
      request: { params: idParams },
      responses: { 200: jsonResponse(z.object({ items: z.array(groupSchema) }), 'The groups'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('services').db();
      await requireOrgRole(db, id, currentUser(c).id);
      return c.json({ items: await listGroups(db, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/groups/{id}',
      tags,
      ...signedIn,
      summary: 'Delete a group and its grants (owner, admin)',
      request: { params: idParams },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const user = currentUser(c);
      const db = c.get('services').db();
      const group = await requireGroup(db, id, user.id, MANAGERS);
      await deleteGroup(db, id);
      await writeAudit(db, requestMeta(c), {
        action: 'group.delete',
        actorId: user.id,
        resource: { type: 'org', id: group.orgId },
        detail: { groupId: id, name: group.name },
      });
      return c.body(null, 204);
    },
  );
