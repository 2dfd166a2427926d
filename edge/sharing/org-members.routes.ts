/**
 * Org members: `GET /api/orgs/:id/members` (any member), `PATCH
 * /api/orgs/:id/members/:userId` {role} and `DELETE` (owner, admin; anyone
 * may remove themselves). Only an owner makes, changes or removes an owner;
 * the last owner can neither leave nor be demoted (409). The rules live in
 * edge/sharing/org-members.service.ts.
 *
 * Nobody is added to an org without consenting: people join by accepting an
 * invitation (org-invitations.ts, invitations.ts). `POST
 * /api/orgs/:id/members`, which added anyone directly, answers 405 with a
 * pointer to the invitations route, for clients written against it.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn } from '../api/router.ts';
import { currentUser } from '../auth/authenticate.ts';
import { AppError } from '../errors.ts';
import { changeRole, listMembers, memberView, removeMember } from './org-members.service.ts';
import { MANAGERS, requireOrgRole } from './orgs.service.ts';
import { idAndUserParams, idParams, orgMemberSchema, orgRoleSchema } from './schemas.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { requestMeta } from '../api/request-context.ts';

const roleBody = z.strictObject({ role: orgRoleSchema }).openapi('ChangeOrgRole');

const tags = ['Orgs'];

export const orgMemberRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{id}/members',
      tags,
      ...signedIn,
      summary: "An org's members (members only)",
      request: { params: idParams },
      responses: { 200: jsonResponse(z.object({ items: z.array(orgMemberSchema) }), 'The members'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('services').db();
      await requireOrgRole(db, id, currentUser(c).id);
      return c.json({ items: await listMembers(db, id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/orgs/{id}/members/{userId}',
      tags,
      ...signedIn,
      summary: "Change a member's role (owner, admin)",
      request: { params: idAndUserParams, body: jsonBody(roleBody) },
      responses: { 200: jsonResponse(orgMemberSchema, 'Changed'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid('param');
      const { role } = c.req.valid('json');
      const actor = currentUser(c);
      const db = c.get('services').db();
      await requireOrgRole(db, id, actor.id, MANAGERS);
      await changeRole(db, id, actor.id, userId, role);
      await writeAudit(db, requestMeta(c), {
        action: 'org.member_update',
        actorId: actor.id,
        resource: { type: 'org', id },
        detail: { userId, role },
      });
      const member = await memberView(db, id, userId);
      if (!member) throw new AppError('not_found', 'No such member.');
      return c.json(member, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{id}/members/{userId}',
      tags,
      ...signedIn,
      summary: 'Remove a member, or leave the org',
      request: { params: idAndUserParams },
      responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id, userId } = c.req.valid('param');
      const actor = currentUser(c);
      const db = c.get('services').db();
      await requireOrgRole(db, id, actor.id);
      await removeMember(db, id, actor.id, userId);
      await writeAudit(db, requestMeta(c), {
        action: 'org.member_remove',
        actorId: actor.id,
        resource: { type: 'org', id },
        detail: { userId },
      });
      return c.body(null, 204);
    },
  )
  // Not in the document: a refusal kept only so that old clients learn where adding went.
  .post('/api/orgs/:id/members', () => {
    throw new AppError('method_not_allowed', 'Members join by accepting an invitation: POST /api/orgs/{id}/invitations {email, role}.', {
      headers: { Allow: 'GET' },
    });
  });
