/**
 * Invitations, the org's side (owners and admins; other members 403,
 * everyone else 404):
 * - `POST /api/orgs/:id/invitations` {email, role?: member|admin} → 202
 *   `{ invitation }`, the same answer whether or not the address has an
 *   account (a pending address is refreshed; an address already in the org
 *   is 409; 50 invitations per inviter per hour, then 429);
 * - `GET /api/orgs/:id/invitations` → the pending, unexpired ones;
 * - `DELETE /api/orgs/:id/invitations/:invitationId` → 204 (revoked).
 * Who may give which role follows the member rules: owners and admins may
 * make members and admins; nobody is invited as an owner (an owner promotes
 * a member once they have joined). Rules in edge/sharing/invitations.service.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn, uuidParam } from '../api/router.ts';
import { currentUser } from '../auth/authenticate.ts';
import { invite, listOrgInvitations, orgView, reserveInvite, revokeInvitation } from './invitations.service.ts';
import { MANAGERS, requireOrgRole } from './orgs.service.ts';
import { idParams, invitedRoleSchema, orgInvitationSchema, sentInvitationSchema } from './schemas.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { requestMeta } from '../api/request-context.ts';

const inviteBody = z
  .strictObject({
    email: z
      .string()
      .trim()
      .max(254)
      .pipe(z.email({ message: 'Must be an email address.' })),
    role: invitedRoleSchema.default('member').openapi({ description: 'member (default) or admin' }),
  })
  .openapi('InviteToOrg');

const invitationParams = z.object({
  id: uuidParam.openapi({ param: { name: 'id', in: 'path' } }),
  invitationId: uuidParam.openapi({ param: { name: 'invitationId', in: 'path' } }),
});

const tags = ['Orgs'];

export const orgInvitationRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/orgs/{id}/invitations',
      tags,
      ...signedIn,
      summary: 'Invite an email address to the org (owner, admin)',
      description:
        'Answers the same whether or not the address has an account; the account with that email sees the invitation and accepts or declines it.',
      request: { params: idParams, body: jsonBody(inviteBody) },
      responses: {
        202: jsonResponse(z.object({ invitation: sentInvitationSchema }), 'Invited (or the pending invitation refreshed)'),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const actor = currentUser(c);
      const db = c.get('services').db();
      await requireOrgRole(db, id, actor.id, MANAGERS);
      await reserveInvite(db, actor.id);
      const row = await invite(db, { orgId: id, inviterId: actor.id, email: body.email.toLowerCase(), role: body.role, now: new Date() });
      await writeAudit(db, requestMeta(c), {
        action: 'org.invite',
        actorId: actor.id,
        resource: { type: 'org', id },
        detail: { invitationId: row.id, role: row.role },
      });
      const { email, role, expiresAt } = orgView(row);
      return c.json({ invitation: { id: row.id, email, role, status: 'pending' as const, expiresAt } }, 202);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/orgs/{id}/invitations',
      tags,
      ...signedIn,
      summary: "The org's pending invitations (owner, admin)",
      request: { params: idParams },
      responses: {
        200: jsonResponse(z.object({ items: z.array(orgInvitationSchema) }), 'Pending, unexpired invitations'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('services').db();
      await requireOrgRole(db, id, currentUser(c).id, MANAGERS);
      return c.json({ items: await listOrgInvitations(db, id, new Date()) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/orgs/{id}/invitations/{invitationId}',
      tags,
      ...signedIn,
      summary: 'Revoke an invitation (owner, admin)',
      request: { params: invitationParams },
      responses: { 204: { description: 'Revoked (or already revoked)' }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id, invitationId } = c.req.valid('param');
      const actor = currentUser(c);
      const db = c.get('services').db();
      await requireOrgRole(db, id, actor.id, MANAGERS);
      const { changed } = await revokeInvitation(db, id, invitationId, new Date());
      if (changed)
        await writeAudit(db, requestMeta(c), {
          action: 'org.invite_revoke',
          actorId: actor.id,
          resource: { type: 'org', id },
          detail: { invitationId },
        });
      return c.body(null, 204);
    },
  );
