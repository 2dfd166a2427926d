/**
 * `GET /api/assets/:id/status` and `GET /status?key={assetId}/original`: where
 * an upload is, `{ assetId, status, reason?, derivatives?, upload? }`, for the
 * owner and anyone who may view the asset (404 for everyone else, as for a
 * missing asset). A Bearer token is optional: public assets answer without one.
 * The first is in the OpenAPI document; `/status` sits outside `/api` and is not.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { assetIdFromOriginalKey, isAssetId } from '../../shared/storage/keys.ts';
import { apiRouter, bearerAuth, errorResponses, jsonResponse } from '../api/router.ts';
import { AppError } from '../errors.ts';
import { assetStatus } from './asset-status.ts';

const assetStatusSchema = z
  .object({
    assetId: z.string(),
    status: z.enum(['pending', 'uploaded', 'processing', 'ready', 'failed', 'blocked']),
    reason: z.string().optional().openapi({ description: 'Why it failed or was blocked.' }),
    derivatives: z
      .array(
        z.object({
          variant: z.string(),
          contentType: z.string(),
          width: z.number().nullable(),
          height: z.number().nullable(),
          size: z.number().nullable(),
          status: z.string(),
          url: z.string().openapi({ description: 'The `/m/...` path (Bearer or a signed URL from `GET /api/assets/{id}` needed).' }),
        }),
      )
      .optional(),
    upload: z
      .object({
        method: z.enum(['PUT', 'multipart']),
        status: z.string(),
        partSize: z.number().optional(),
        expiresAt: z.string(),
        completedAt: z.string().optional(),
      })
      .optional()
      .openapi({ description: 'The owner only.' }),
  })
  .openapi('AssetStatus');

// Any string: an id that is not a UUID is simply no asset (404), as before this route was documented.
const params = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }) });

export const uploadStatus = apiRouter()
  .openapi(
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
      if (!isAssetId(id)) throw new AppError('not_found', 'No such asset.');
      c.header('Cache-Control', 'private, no-store');
      return c.json(await assetStatus(c, id), 200);
    },
  )
  .get('/status', async (c) => {
    const key = c.req.query('key');
    if (key === undefined || key === '') {
      throw new AppError('validation_failed', 'The query must name an upload key.', {
        details: { fields: [{ field: 'key', code: 'required', message: 'key={assetId}/original is required.' }] },
      });
    }
    const id = assetIdFromOriginalKey(key);
    if (!id) throw new AppError('not_found', 'No such asset.');
    c.header('Cache-Control', 'private, no-store');
    return c.json(await assetStatus(c, id), 200);
  });
