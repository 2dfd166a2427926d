/**
 * The library API (issue 6, library half): assets, trash, collections and
 * their items, tags, search. One OpenAPI router, so the routes appear in
 * `/api/openapi.json`; registered once in edge/app.ts.
 */
import { apiRouter } from '../../api/router.ts';
import { assetRoutes } from './assets.ts';
import { collectionItemRoutes } from './collection-items.ts';
import { collectionRoutes } from './collections.ts';
import { searchRoutes } from './search.ts';
import { tagRoutes } from './tags.ts';
import { trashRoutes } from './trash.ts';

export const library = apiRouter()
  .route('/', assetRoutes)
  .route('/', trashRoutes)
  .route('/', tagRoutes)
  .route('/', searchRoutes)
  .route('/', collectionRoutes)
  .route('/', collectionItemRoutes);
