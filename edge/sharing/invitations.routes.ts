/**
 * Invitations, the invitee's side (any signed-in account; an invitation is
 * theirs when it names their account's email):
 * - `GET /api/invitations` → `{ invitations }`: their pending, unexpired
 *   invitations with the org's name and the inviter's name;
 * - `POST /api/invitations/:id/accept` → 200 `{ invitation }`: joins the org
 *   with the invited role (and no group);
 * - `POST /api/invitations/:id/decline` → 200 `{ invitation }`.
 * Someone else's invitation is 404; revoked or expired 410; answered the
 * other way 409 (`details.status` says which). Answering twice the same way
 * is idempotent. Rules in edge/sharing/invitation-answers.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { apiRouter, errorResponses, jsonResponse, signedIn } from '../api/router.ts';
import { currentUser } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';
import { answerInvitation, myInvitations, type Answer } from './invitation-answers.ts';
import { idParams, receivedInvitationSchema } from './schemas.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { requestMeta } from '../api/request-context.ts';

const answered = jsonResponse(z.object({ invitation: receivedInvitationSchema }), 'Answered (or already answered the same way)');

const tags = ['Invitations'];

async function answer(c: Context<AppEnv>, id: string, how: Answer) {
  const user = currentUser(c);
  const db = c.get('services').db();
  const { invitation, changed } = await answerInvitation(db, id, user.id, how, new Date());
  if (changed) {
    await writeAudit(db, requestMeta(c), {
      action: how === 'accept' ? 'org.invite_accept' : 'org.invite_decline',
      actorId: user.id,
      resource: { type: 'org', id: invitation.org.id },
      detail: { invitationId: id, role: invitation.role },
    });
  }
  return invitation;
}

export const invitationRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/invitations',
      tags,
      ...signedIn,
      summary: "The caller's pending invitations to orgs",
      responses: {
        200: jsonResponse(z.object({ invitations: z.array(receivedInvitationSchema) }), 'Pending, unexpired invitations'),
        ...errorResponses(401),
      },
    }),
    async (c) => {
      return c.json({ invitations: await myInvitations(c.get('services').db(), currentUser(c).id, new Date()) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/invitations/{id}/accept',
      tags,
      ...signedIn,
      summary: 'Accept an invitation: join the org',
      request: { params: idParams },
      responses: { 200: answered, ...errorResponses(400, 401, 404, 409, 410) },
    }),
    async (c) => c.json({ invitation: await answer(c, c.req.valid('param').id, 'accept') }, 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/invitations/{id}/decline',
      tags,
      ...signedIn,
      summary: 'Decline an invitation',
      request: { params: idParams },
      responses: { 200: answered, ...errorResponses(400, 401, 404, 409, 410) },
    }),
    async (c) => c.json({ invitation: await answer(c, c.req.valid('param').id, 'decline') }, 200),
  );
