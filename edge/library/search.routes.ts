/** `GET /api/search?q=`: ranked full-text search over the assets the caller may see. */
import { createRoute } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonResponse, signedIn } from '../api/router.ts';
import { toSummary } from './asset-rows.ts';
import { callerId, mediaSigner } from '../api/request-context.ts';
import { listOf, searchHitSchema, searchQuerySchema } from './schemas.ts';
import { searchAssets } from './search.service.ts';

export const searchRoutes = apiRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/search',
    tags: ['Search'],
    summary: 'Search file names, titles, descriptions, tags and metadata; best match first',
    description:
      'Words are matched both stemmed (English) and as typed, so "running" finds "run" and `IMG_2041.jpg` finds that file. Only assets the caller may view, none from the trash.',
    ...signedIn,
    request: { query: searchQuerySchema },
    responses: {
      200: jsonResponse(listOf(searchHitSchema, 'SearchPage'), 'A page of hits'),
      ...errorResponses(400, 401),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const now = new Date();
    const { rows, nextCursor } = await searchAssets(c.get('services').db(), { ...q, userId: callerId(c), now });
    const signer = await mediaSigner(c, now);
    const items = await Promise.all(rows.map(async (r) => ({ ...(await toSummary(r, signer)), rank: r.rank })));
    return c.json({ items, nextCursor }, 200);
  },
);
