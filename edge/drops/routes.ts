/**
 * Upload ("file drop") links: `POST /api/share/{token}/uploads` (OpenAPI)
 * and the Companion contract under `/s/{token}/s3/` (plain Hono, mounted
 * before the share media route so `s3` is never read as an asset id). The
 * manager's side is the share-link API (`upload` in `POST|PATCH
 * /api/share-links`); the holder's page is `GET /api/share/{token}`.
 */
import { apiRouter } from '../api/router.ts';
import { dropApiRoutes } from './drop-api.routes.ts';

export const drops = apiRouter().route('/', dropApiRoutes);
export { dropCompanion } from './drop-companion.routes.ts';
