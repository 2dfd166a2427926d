/**
 * `GET /api/assets/:id/status` and `GET /status?key={assetId}/original`: where
 * an upload is, `{ assetId, status, reason?, derivatives?, upload? }`, for the
 * owner and anyone who may view the asset (404 for everyone else, as for a
 * missing asset). A Bearer token is optional: public assets answer without one.
 */
import { Hono } from 'hono';
import { assetIdFromOriginalKey, isAssetId } from '../../shared/storage/keys.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { assetStatus } from '../uploads/asset-status.ts';

export const uploadStatus = new Hono<AppEnv>()
  .get('/api/assets/:id/status', async (c) => {
    const id = c.req.param('id');
    if (!isAssetId(id)) throw new AppError('not_found', 'No such asset.');
    c.header('Cache-Control', 'private, no-store');
    return c.json(await assetStatus(c, id), 200);
  })
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
