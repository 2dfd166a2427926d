/**
 * `POST /api/assets/bulk`: one action on up to 500 assets (trash, restore,
 * tag, untag, add to a collection), answered per item. Each item is decided
 * by the one access gate as the single route would (edge/library/bulk.service.ts).
 */
import { createRoute } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn } from '../api/router.ts';
import { callerId, requestMeta } from '../api/request-context.ts';
import { runBulk, type BulkRequest } from './bulk.service.ts';
import { collectionAccess } from './caller.ts';
import { bulkBodySchema, bulkResultSchema } from './schemas.ts';

export const bulkRoutes = apiRouter().openapi(
  createRoute({
    method: 'post',
    path: '/api/assets/bulk',
    tags: ['Assets'],
    summary: 'One action on many assets (at most 500), reported per item',
    description:
      'Each item needs what the single route needs: `trash` manage (already in the trash is fine), `restore` the owner and an asset in the trash, ' +
      '`tag`/`untag` edit on a live asset, `add-to-collection` view on a live asset (and edit on the collection, else the whole request is 404/403). ' +
      'An asset the caller cannot see is `not_found`, as one that does not exist. Refused items change nothing; the rest are written in one transaction.',
    ...signedIn,
    request: { body: jsonBody(bulkBodySchema) },
    responses: { 200: jsonResponse(bulkResultSchema, 'Per-item results'), ...errorResponses(400, 401, 403, 404, 413, 415) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const userId = callerId(c);
    const now = new Date();
    const { db, config } = c.get('services');
    const req = { ...body, assetIds: body.assetIds.map((id) => id.toLowerCase()) } as BulkRequest;
    if (req.action === 'add-to-collection')
      await collectionAccess(db(), req.collectionId, userId, now, { need: 'edit', for: 'Adding to a collection' });
    const { requestId, ip } = requestMeta(c);
    const results = await runBulk({ db: db(), userId, now, retentionDays: config.RETENTION_DAYS, audit: { requestId, ip } }, req);
    const failed = results.filter((r) => !r.ok).length;
    return c.json({ results, succeeded: results.length - failed, failed }, 200);
  },
);
