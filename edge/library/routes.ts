/**
 * The library API: assets, trash, collections and
 * their items, tags, search. One OpenAPI router, so the routes appear in
 * `/api/openapi.json`; registered once in edge/app.ts.
 */
import { apiRouter } from '../api/router.ts';
import { assetRoutes } from './assets.routes.ts';
import { bulkRoutes } from './bulk.routes.ts';
import { collectionItemRoutes } from './collection-items.routes.ts';
import { collectionRoutes } from './collections.routes.ts';
import { searchRoutes } from './search.routes.ts';
import { tagRoutes } from './tags.routes.ts';
import { timelineRoutes } from './timeline.routes.ts';
import { trashRoutes } from './trash.routes.ts';

export const library = apiRouter()
  // Before /api/assets/{id}, whose UUID check would answer 400 to `timeline` and `bulk`.
  .route('/', timelineRoutes)
  .route('/', bulkRoutes)
  .route('/', assetRoutes)
  .route('/', trashRoutes)
  .route('/', tagRoutes)
  .route('/', searchRoutes)
  .route('/', collectionRoutes)
  .route('/', collectionItemRoutes);
