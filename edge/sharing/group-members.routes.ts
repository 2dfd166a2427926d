/**
 * Group members: `GET /api/groups/:id/members` (any org member), `POST`
 * {userId} (owner, admin; the user must be an org member, else 409) and
 * `DELETE /api/groups/:id/members/:userId` (owner, admin, or the member
 * themselves). Callers outside the group's org get 404.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn, uuidParam } from '../api/router.ts';
import { currentUser } from '../auth/authenticate.ts';
import { AppError } from '../errors.ts';
import { addGroupMember, listGroupMembers, removeGroupMember, requireGroup } from './groups.service.ts';
import { MANAGERS } from './orgs.service.ts';
import { groupMemberSchema, idAndUserParams, idParams } from './schemas.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { requestMeta } from '../api/request-context.ts';

const addBody = z.strictObject({ userId: uuidParam }).openapi('AddGroupMember');

const tags = ['Groups'];

export const groupMemberRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/groups/{id}/members',
      tags,
      ...signedIn,
      summary: "A group's members (org members only)",
      request: { params: idParams },
      responses: { 200: jsonResponse(z.object({ items: z.array(groupMemberSchema) }), 'The members'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('services').db();
      await requireGroup(db, id, currentUser(c).id);
      return c.json({ items: await listGroupMembers(db, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/groups/{id}/members',
      tags,
      ...signedIn,
      summary: 'Add an org member to a group (owner, admin)',
      request: { params: idParams, body: jsonBody(addBody) },
      responses: { 201: jsonResponse(groupMemberSchema, 'Added'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { userId } = c.req.valid('json');
      const actor = currentUser(c);
      const db = c.get('services').db();
      const group = await requireGroup(db, id, actor.id, MANAGERS);
      await addGroupMember(db, group, userId);
      await writeAudit(db, requestMeta(c), {
        action: 'group.member_add',
        actorId: actor.id,
        resource: { type: 'org', id: group.orgId },
        detail: { groupId: id, userId },
      });
      const [member] = await listGroupMembers(db, id, userId);
      if (!member) throw new AppError('conflict', 'The user left the org meanwhile.');
      return c.json(member, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/groups/{id}/members/{userId}',
      tags,
      ...signedIn,
      summary: 'Remove a member from a group (owner, admin, or themselves)',
      request: { params: idAndUserParams },
      responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid('param');
      const actor = currentUser(c);
      const db = c.get('services').db();
      const group = await requireGroup(db, id, actor.id, actor.id === userId ? undefined : MANAGERS);
      if (!(await removeGroupMember(db, id, userId))) throw new AppError('not_found', 'No such group member.');
      await writeAudit(db, requestMeta(c), {
        action: 'group.member_remove',
        actorId: actor.id,
        resource: { type: 'org', id: group.orgId },
        detail: { groupId: id, userId },
      });
      return c.body(null, 204);
    },
  );
