/** `GET /api/trash`: the caller's own soft-deleted assets, most recently deleted first. */
import { createRoute } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonResponse, signedIn } from '../api/router.ts';
import { listTrash } from './asset-list.ts';
import { iso, toSummary } from './asset-rows.ts';
import { callerId, mediaSigner } from '../api/request-context.ts';
import { listOf, pageQuerySchema, trashItemSchema } from './schemas.ts';

export const trashRoutes = apiRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/trash',
    tags: ['Assets'],
    summary: "The caller's trash: restorable until `purgeAfter`",
    ...signedIn,
    request: { query: pageQuerySchema },
    responses: {
      200: jsonResponse(listOf(trashItemSchema, 'TrashPage'), 'A page of trashed assets'),
      ...errorResponses(400, 401),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const userId = callerId(c);
    const now = new Date();
    const { rows, nextCursor } = await listTrash(c.get('services').db(), { ...q, userId, now });
    const signer = await mediaSigner(c, now);
    const items = await Promise.all(
      rows.map(async (r) => ({
        ...(await toSummary(r, signer)),
        deletedAt: iso(r.deletedAt),
        purgeAfter: r.purgeAfter ? iso(r.purgeAfter) : null,
      })),
    );
    return c.json({ items, nextCursor }, 200);
  },
);
