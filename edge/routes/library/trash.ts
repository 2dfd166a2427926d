/** `GET /api/trash`: the caller's own soft-deleted assets, most recently deleted first. */
import { createRoute } from '@hono/zod-openapi';
import { requireUser } from '../../auth/authenticate.ts';
import { apiRouter, bearerAuth, errorResponses } from '../../api/router.ts';
import { listTrash } from '../../library/asset-list.ts';
import { iso, toSummary } from '../../library/asset-rows.ts';
import { callerId, signerFor } from '../../library/caller.ts';
import { listOf, pageQuerySchema, trashItemSchema } from '../../library/schemas.ts';

export const trashRoutes = apiRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/trash',
    tags: ['Assets'],
    summary: "The caller's trash: restorable until `purgeAfter`",
    security: bearerAuth,
    middleware: [requireUser()] as const,
    request: { query: pageQuerySchema },
    responses: {
      200: { description: 'A page of trashed assets', content: { 'application/json': { schema: listOf(trashItemSchema, 'TrashPage') } } },
      ...errorResponses(400, 401),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const userId = callerId(c);
    const now = new Date();
    const { rows, nextCursor } = await listTrash(c.get('services').db(), { ...q, userId, now });
    const signer = await signerFor(c, now);
    const items = await Promise.all(
      rows.map(async (r) => ({
        ...(await toSummary(r, signer)),
        deletedAt: iso(r.deletedAt),
        purgeAfter: r.purgeAfter ? iso(r.purgeAfter) : null,
      })),
    );
    c.header('Cache-Control', 'private, no-store');
    return c.json({ items, nextCursor }, 200);
  },
);
