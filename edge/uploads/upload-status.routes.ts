/**
 * `GET /api/assets/:id/status` and `GET /status?key={assetId}/original`: where
 * an upload is, `{ assetId, status, reason?, derivatives?, upload? }`, for the
 * owner and anyone who may view the asset (404 for everyone else, as for a
 * missing asset). A Bearer token is optional: public assets answer without one.
 * The first is in the OpenAPI document; `/status` (what Uppy's Companion
 * contract polls) sits outside `/api`, is plain Hono, and validates its query
 * through the same path (edge/api/validation.ts).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { assetIdFromOriginalKey, isAssetId } from '../../shared/storage/keys.ts';
import { apiRouter, bearerAuth, errorResponses, jsonResponse } from '../api/router.ts';
import { parseOrThrow } from '../api/validation.ts';
import { optionalUser } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { assetStatus } from './asset-status.ts';
import { assetStatusSchema } from './schemas.ts';

// Any string: an id that is not a UUID is simply no asset (404), as before this route was documented.
const params = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }) });
const keyRequired = 'key={assetId}/original is required.';
const statusQuery = z.object({ key: z.string({ error: keyRequired }).min(1, keyRequired) });

const noSuchAsset = () => new AppError('not_found', 'No such asset.');

export const uploadStatusRoutes = apiRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/assets/{id}/status',
    tags: ['Uploads'],
    summary: 'Upload and processing state of one asset (poll until ready or failed)',
    description: 'Anonymous callers see public assets.',
    security: [...bearerAuth, {}],
    request: { params },
    responses: { 200: jsonResponse(assetStatusSchema, 'The state'), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    if (!isAssetId(id)) throw noSuchAsset();
    const user = await optionalUser(c);
    return c.json(await assetStatus(c.get('services').db(), id, user?.id ?? null, new Date()), 200);
  },
);

export const companionStatus = new Hono<AppEnv>().get('/status', async (c) => {
  const { key } = parseOrThrow(statusQuery, c.req.query(), 'The query must name an upload key.');
  const id = assetIdFromOriginalKey(key);
  if (!id) throw noSuchAsset();
  const user = await optionalUser(c);
  return c.json(await assetStatus(c.get('services').db(), id, user?.id ?? null, new Date()), 200);
});
