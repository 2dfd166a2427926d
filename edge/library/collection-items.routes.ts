/**
 * Collection items: add (edit on the collection and view on the asset),
 * remove (edit; an item the caller cannot see only with manage) and reorder
 * (edit; a permutation of the items the caller can see).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonBody, signedIn } from '../api/router.ts';
import { AppError } from '../errors.ts';
import { assetAccess, collectionAccess } from './caller.ts';
import { callerId } from '../api/request-context.ts';
import { addItem, itemVisible, removeItem, reorderItems } from './collection-items.service.ts';
import { idParams, itemAddSchema, itemParams, MAX_COLLECTION_ITEMS, reorderSchema } from './schemas.ts';

const tags = ['Collections'];
const notAnItem = () => new AppError('not_found', 'No such item in this collection.');

export const collectionItemRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/collections/{id}/items',
      tags,
      summary: 'Add an asset the caller may view (edit on the collection)',
      description: `At \`position\` (0-based; the items from there move down) or at the end. At most ${MAX_COLLECTION_ITEMS} items.`,
      ...signedIn,
      request: { params: idParams, body: jsonBody(itemAddSchema) },
      responses: {
        201: {
          description: 'Added',
          content: {
            'application/json': {
              schema: z.object({ collectionId: z.string(), assetId: z.string(), position: z.number() }).openapi('CollectionItemAdded'),
            },
          },
        },
        ...errorResponses(400, 401, 403, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const userId = callerId(c);
      const now = new Date();
      const db = c.get('services').db();
      await collectionAccess(db, id, userId, now, { need: 'edit', for: 'Adding to a collection' });
      const { asset } = await assetAccess(db, body.assetId, userId, now);
      if (asset.deletedAt) throw new AppError('conflict', 'The asset is in the trash; restore it first.');
      const result = await db.transaction((tx) => addItem(tx, id, asset.id, body.position, userId));
      if (!result.added) {
        throw new AppError(
          'conflict',
          result.reason === 'exists'
            ? 'The asset is already in this collection.'
            : `A collection holds at most ${MAX_COLLECTION_ITEMS} items.`,
        );
      }
      return c.json({ collectionId: id, assetId: asset.id, position: result.position }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/collections/{id}/items/{assetId}',
      tags,
      summary: 'Remove an item (edit on the collection); the asset itself stays',
      ...signedIn,
      request: { params: itemParams },
      responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id, assetId } = c.req.valid('param');
      const userId = callerId(c);
      const now = new Date();
      const db = c.get('services').db();
      const { permission } = await collectionAccess(db, id, userId, now, { need: 'edit', for: 'Removing from a collection' });
      // An editor only learns about items they can see; a manager may clear out any.
      const visible = await itemVisible(db, id, assetId, userId, now);
      if (visible === null || (!visible && permission !== 'manage')) throw notAnItem();
      if (!(await db.transaction((tx) => removeItem(tx, id, assetId)))) throw notAnItem();
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/api/collections/{id}/items/order',
      tags,
      summary: 'Reorder the items (edit on the collection)',
      ...signedIn,
      request: { params: idParams, body: jsonBody(reorderSchema) },
      responses: { 204: { description: 'Reordered' }, ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { assetIds } = c.req.valid('json');
      const userId = callerId(c);
      const now = new Date();
      const db = c.get('services').db();
      await collectionAccess(db, id, userId, now, { need: 'edit', for: 'Reordering a collection' });
      const ok = await db.transaction((tx) => reorderItems(tx, id, assetIds, userId, now));
      if (!ok) throw new AppError('conflict', 'assetIds must list every item of the collection you can see, each once.');
      return c.body(null, 204);
    },
  );
