/**
 * The account's signed-in sessions: list them, end one, end all others.
 * Session only (no API key may call these: ../api-keys/route-scopes.ts).
 * Ending a session revokes its refresh-token family, so its refresh fails
 * and its access token is refused on writes at once (../live-session.ts);
 * plain reads keep the documented window of at most 15 minutes.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonResponse, signedIn, uuidParam } from '../../api/router.ts';
import { requestMeta } from '../../api/request-context.ts';
import { userEvent, writeAudit } from '../../audit/write-audit.ts';
import { AppError } from '../../errors.ts';
import { currentUser } from '../authenticate.ts';
import { clientClass, coarseAddress } from './client-class.ts';
import { endOtherSessions, endSession, liveSessions } from './sessions-store.ts';

const tags = ['Sessions'];

const sessionItem = z
  .object({
    id: z.uuid(),
    current: z.boolean().openapi({ description: 'The session of the access token that asked' }),
    createdAt: z.string(),
    lastUsedAt: z.string().openapi({ description: 'Last sign-in or token refresh (a refresh happens at most every 15 minutes of use)' }),
    client: z.string().openapi({ example: 'Firefox on Linux' }),
    address: z.string().nullable().openapi({ example: '203.0.113.0/24' }),
  })
  .openapi('SessionItem');

export const sessionsRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/auth/sessions',
      tags,
      summary: 'The signed-in sessions of the account',
      ...signedIn,
      responses: {
        200: jsonResponse(z.object({ sessions: z.array(sessionItem) }).openapi('SessionList'), 'Sessions'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const caller = currentUser(c);
      const rows = await liveSessions(c.get('services').db(), caller.id);
      const sessions = rows.map((r) => ({
        id: r.familyId,
        current: r.familyId === caller.sid,
        createdAt: r.createdAt.toISOString(),
        lastUsedAt: r.lastUsedAt.toISOString(),
        client: clientClass(r.userAgent),
        address: coarseAddress(r.ip),
      }));
      return c.json({ sessions }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/auth/sessions/{id}',
      tags,
      summary: 'End one session (its refresh fails; its writes are refused at once)',
      ...signedIn,
      request: { params: z.object({ id: uuidParam }) },
      responses: { 204: { description: 'Ended' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const caller = currentUser(c);
      const { id } = c.req.valid('param');
      const db = c.get('services').db();
      const ended = await db.transaction(async (tx) => {
        if (!(await endSession(tx, caller.id, id))) return false;
        await writeAudit(tx, requestMeta(c), { action: 'auth.session_end', ...userEvent(caller.id), detail: { familyId: id } });
        return true;
      });
      if (!ended) throw new AppError('not_found', 'No such session.');
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/sessions/end-others',
      tags,
      summary: 'End every session of the account but this one',
      ...signedIn,
      responses: {
        200: jsonResponse(z.object({ ended: z.number().int() }).openapi('SessionsEnded'), 'Ended'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const caller = currentUser(c);
      const db = c.get('services').db();
      const ended = await db.transaction(async (tx) => {
        const n = await endOtherSessions(tx, caller.id, caller.sid);
        await writeAudit(tx, requestMeta(c), { action: 'auth.sessions_end_others', ...userEvent(caller.id), detail: { ended: n } });
        return n;
      });
      return c.json({ ended }, 200);
    },
  );
