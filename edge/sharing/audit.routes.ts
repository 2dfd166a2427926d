/**
 * `GET /api/audit?resourceType=&resourceId=&cursor=&limit=` — the audit rows
 * of an asset or collection (shares, grants, link opens, and whatever else
 * names it: deletes, purges), newest first, for callers with `manage` on it.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, bearerAuth, errorResponses, jsonResponse } from '../api/router.ts';
import { currentUser, requireUser } from '../auth/authenticate.ts';
import { auditPage } from './audit.service.ts';
import { requireResource } from './resource-access.ts';
import { auditEntrySchema, resourceQuery } from './schemas.ts';

const query = resourceQuery.extend({
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, { message: 'Not a cursor.' })
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(50)
    .openapi({ param: { name: 'limit', in: 'query' } }),
});

export const auditRoutes = apiRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/audit',
    tags: ['Audit'],
    security: bearerAuth,
    middleware: [requireUser()],
    summary: "An asset's or collection's audit log, newest first (manage holders)",
    request: { query },
    responses: {
      200: jsonResponse(z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() }), 'One page'),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const db = c.get('services').db();
    const viewerId = currentUser(c).id;
    const resource = await requireResource(db, viewerId, { type: q.resourceType, id: q.resourceId }, 'manage');
    return c.json(await auditPage(db, viewerId, resource, q.cursor === undefined ? undefined : Number(q.cursor), q.limit), 200);
  },
);
