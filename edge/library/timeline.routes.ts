/**
 * `GET /api/assets/timeline`: the library's months by date taken, with
 * counts, for the timeline's scrubber. The list itself is
 * `GET /api/assets?order=taken` (and `takenBefore` to jump to a month).
 */
import { createRoute } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonResponse, signedIn } from '../api/router.ts';
import { callerId } from '../api/request-context.ts';
import { timelineBuckets } from './asset-list.ts';
import { collectionAccess } from './caller.ts';
import { timelineQuerySchema, timelineSchema } from './schemas.ts';

export const timelineRoutes = apiRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/assets/timeline',
    tags: ['Assets'],
    summary: "The caller's library by month taken (UTC), newest first, with counts; the same filters as `GET /api/assets`",
    ...signedIn,
    request: { query: timelineQuerySchema },
    responses: { 200: jsonResponse(timelineSchema, 'Months with counts'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const userId = callerId(c);
    const now = new Date();
    const db = c.get('services').db();
    // As the list: filtering by a collection the caller cannot see would reveal its membership.
    if (q.collectionId) await collectionAccess(db, q.collectionId, userId, now);
    const buckets = await timelineBuckets(db, { ...q, userId, now });
    return c.json({ buckets, total: buckets.reduce((n, b) => n + b.count, 0) }, 200);
  },
);
