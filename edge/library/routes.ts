/**
 * The library API: assets, trash, collections and
 * their items, tags, search. One OpenAPI router, so the routes appear in
 * `/api/openapi.json`; registered once in edge/app.ts.
 */
import { apiRouter } from '../api/router.ts';
import { assetRoutes } from './assets.routes.ts';
import { collectionItemRoutes } from './collection-items.routes.ts';
import { collectionRoutes } from './collections.routes.ts';
import { searchRoutes } from './search.routes.ts';
import { tagRoutes } from './tags.routes.ts';
import { trashRoutes } from './trash.routes.ts';

export const library = apiRouter()
  .route('/', assetRoutes)
  .route('/', trashRoutes)
  .route('/', tagRoutes)
  .route('/', searchRoutes)
  .route('/', collectionRoutes)
  .route('/', collectionItemRoutes);
