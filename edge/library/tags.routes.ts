/** `GET /api/tags` (the caller's tags with counts) and `PUT /api/assets/:id/tags` (edit permission). */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn } from '../api/router.ts';
import { AppError } from '../errors.ts';
import { assetAccess } from './caller.ts';
import { callerId } from '../api/request-context.ts';
import { idParams, listOf, pageQuerySchema, tagSchema, tagsBodySchema } from './schemas.ts';
import { listTags, setAssetTags } from './tags.service.ts';

const tags = ['Tags'];

export const tagRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/tags',
      tags,
      summary: "The caller's tags, by name, with the number of their live assets each labels",
      ...signedIn,
      request: { query: pageQuerySchema },
      responses: {
        200: jsonResponse(listOf(tagSchema, 'TagPage'), 'A page of tags'),
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await listTags(c.get('services').db(), { ...q, ownerId: callerId(c) });
      return c.json({ items: page.rows, nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/api/assets/{id}/tags',
      tags,
      summary: "Replace an asset's tags (edit permission)",
      description:
        "Names are trimmed, 1-64 characters, at most 50. Tags belong to the asset's owner and are unique per owner regardless of case: an existing tag keeps its spelling.",
      ...signedIn,
      request: { params: idParams, body: jsonBody(tagsBodySchema) },
      responses: {
        200: jsonResponse(z.object({ tags: z.array(z.string()) }), 'The tags as stored'),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const userId = callerId(c);
      const now = new Date();
      const db = c.get('services').db();
      const { asset } = await assetAccess(db, id, userId, now, { need: 'edit', for: 'Tagging an asset' });
      if (asset.deletedAt) throw new AppError('conflict', 'The asset is in the trash; restore it first.');
      const stored = await db.transaction((tx) => setAssetTags(tx, id, asset.ownerId, body.tags, now));
      return c.json({ tags: stored }, 200);
    },
  );
