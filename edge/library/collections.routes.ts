/**
 * `/api/collections`: create, list, read (with a page of the items the
 * caller may view), change (edit; visibility needs manage) and delete
 * (manage, soft). Items have their own routes (collection-items.ts).
 */
import { createRoute } from '@hono/zod-openapi';
import { apiRouter, bearerAuth, errorResponses, jsonBody, jsonResponse, signedIn } from '../api/router.ts';
import { AppError } from '../errors.ts';
import { toSummary } from './asset-rows.ts';
import { collectionAccess, collectionNotFound, requirePermission } from './caller.ts';
import { callerId, mediaSigner, optionalCallerId, requestMeta } from '../api/request-context.ts';
import { listItems } from './collection-items.service.ts';
import { createCollection, getCollection, listCollections, softDeleteCollection, updateCollection } from './collections.service.ts';
import {
  collectionCreateSchema,
  collectionDetailSchema,
  collectionListItemSchema,
  collectionListQuerySchema,
  collectionPatchSchema,
  collectionSchema,
  idParams,
  listOf,
  pageQuerySchema,
} from './schemas.ts';
import { writeAudit } from '../audit/write-audit.ts';

const tags = ['Collections'];

export const collectionRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/collections',
      tags,
      summary: 'Create a collection (private unless said otherwise)',
      ...signedIn,
      request: { body: jsonBody(collectionCreateSchema) },
      responses: { 201: jsonResponse(collectionSchema, 'The new collection'), ...errorResponses(400, 401, 413, 415) },
    }),
    async (c) => {
      const created = await createCollection(c.get('services').db(), callerId(c), c.req.valid('json'));
      c.header('Location', `/api/collections/${created.id}`);
      return c.json(created, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/collections',
      tags,
      summary: 'Collections the caller may see, newest first',
      ...signedIn,
      request: { query: collectionListQuerySchema },
      responses: {
        200: jsonResponse(listOf(collectionListItemSchema, 'CollectionPage'), "A page of collections, each with the caller's permission"),
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listCollections(c.get('services').db(), { ...q, userId: callerId(c), now: new Date() });
      return c.json(result, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/collections/{id}',
      tags,
      summary: 'A collection and one page of its items, in order (only items the caller may view)',
      description: "Anonymous callers see public collections; their items still follow each asset's own access.",
      security: [...bearerAuth, {}],
      request: { params: idParams, query: pageQuerySchema },
      responses: { 200: jsonResponse(collectionDetailSchema, 'The collection'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      const userId = await optionalCallerId(c);
      const now = new Date();
      const db = c.get('services').db();
      const { permission } = await collectionAccess(db, id, userId, now);
      const [collection, items] = await Promise.all([getCollection(db, id), listItems(db, { ...q, collectionId: id, userId, now })]);
      if (!collection) throw collectionNotFound();
      const signer = await mediaSigner(c, now);
      const views = await Promise.all(items.rows.map(async (r) => ({ ...(await toSummary(r, signer)), position: r.position })));
      // An anonymous caller of a public collection is not told who owns it or its items.
      const anonymous = userId === null;
      const strip = <T extends { ownerId?: string }>({ ownerId, ...rest }: T) => (anonymous ? rest : { ownerId, ...rest });
      return c.json({ ...strip(collection), permission, items: views.map(strip), nextCursor: items.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/collections/{id}',
      tags,
      summary: 'Rename or describe (edit); change the visibility (manage)',
      ...signedIn,
      request: { params: idParams, body: jsonBody(collectionPatchSchema) },
      responses: { 200: jsonResponse(collectionSchema, 'The changed collection'), ...errorResponses(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const userId = callerId(c);
      const now = new Date();
      const db = c.get('services').db();
      const { collection, permission } = await collectionAccess(db, id, userId, now);
      if (patch.name !== undefined || patch.description !== undefined) requirePermission(permission, 'edit', 'Changing a collection');
      if (patch.visibility !== undefined) requirePermission(permission, 'manage', 'Changing the visibility');
      await db.transaction(async (tx) => {
        if (!(await updateCollection(tx, id, patch, now, userId))) throw collectionNotFound();
        if (patch.visibility !== undefined && patch.visibility !== collection.visibility) {
          await writeAudit(tx, requestMeta(c), {
            action: 'collection.visibility_changed',
            actorId: userId,
            resource: { type: 'collection', id: id },
            detail: { from: collection.visibility, to: patch.visibility },
          });
        }
      });
      const updated = await getCollection(db, id);
      if (!updated) throw collectionNotFound();
      return c.json(updated, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/collections/{id}',
      tags,
      summary: 'Delete a collection (manage); its assets stay, its grants stop reaching them',
      ...signedIn,
      request: { params: idParams },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const userId = callerId(c);
      const now = new Date();
      const db = c.get('services').db();
      const { collection } = await collectionAccess(db, id, userId, now, { need: 'manage', for: 'Deleting a collection' });
      await db.transaction(async (tx) => {
        if (!(await softDeleteCollection(tx, id, now))) throw new AppError('not_found', 'No such collection.');
        await writeAudit(tx, requestMeta(c), {
          action: 'collection.delete',
          actorId: userId,
          resource: { type: 'collection', id: id },
          detail: { ownerId: collection.ownerId, name: collection.name },
        });
      });
      return c.body(null, 204);
    },
  );
