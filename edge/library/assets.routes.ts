/**
 * `/api/assets`: the caller's library, one asset, its fields, soft delete,
 * restore and the owner's purge request. Handlers decode, ask the policy
 * (edge/library/caller.ts) and call edge/library; a permission the caller
 * lacks entirely is a 404, one too low is a 403.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { apiRouter, bearerAuth, errorResponses, jsonBody, jsonResponse, signedIn } from '../api/router.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { loadVisibleAssetDetail } from './asset-detail.ts';
import { requestPurge, restoreAsset, softDeleteAsset, updateAsset } from './asset-lifecycle.ts';
import { listAssets } from './asset-list.ts';
import { toSummaries } from './asset-rows.ts';
import { assetAccess, collectionAccess, requirePermission } from './caller.ts';
import { callerId, mediaSigner, optionalCallerId, requestMeta } from '../api/request-context.ts';
import { assetDetailSchema, assetListQuerySchema, assetPatchSchema, assetSummarySchema, idParams, listOf } from './schemas.ts';
import { writeAudit } from '../audit/write-audit.ts';

const tags = ['Assets'];
const inTrash = () => new AppError('conflict', 'The asset is in the trash; restore it first.');

/** The asset as the caller sees it now (after a change). */
async function detail(c: Context<AppEnv>, assetId: string, userId: string | null, now: Date) {
  return loadVisibleAssetDetail(c.get('services').db(), assetId, userId, now, await mediaSigner(c, now));
}

export const assetRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/assets',
      tags,
      summary: "The caller's library: newest first, filtered, one page",
      ...signedIn,
      request: { query: assetListQuerySchema },
      responses: { 200: jsonResponse(listOf(assetSummarySchema, 'AssetPage'), 'A page of assets'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const userId = callerId(c);
      const now = new Date();
      const db = c.get('services').db();
      // Filtering by a collection the caller cannot see would reveal its membership.
      if (q.collectionId) await collectionAccess(db, q.collectionId, userId, now);
      const { rows, nextCursor } = await listAssets(db, { ...q, userId, now });
      return c.json({ items: await toSummaries(rows, await mediaSigner(c, now)), nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/assets/{id}',
      tags,
      summary: "One asset: fields, tags, derivative files, signed media URLs and the caller's permission",
      description: "Anonymous callers see public assets. The original's URL needs the download permission.",
      security: [...bearerAuth, {}],
      request: { params: idParams },
      responses: { 200: jsonResponse(assetDetailSchema, 'The asset'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const userId = await optionalCallerId(c);
      const { ownerId, ...body } = await detail(c, id, userId, new Date());
      // An anonymous caller of a public asset is not told who owns it.
      return c.json(userId === null ? body : { ownerId, ...body }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/assets/{id}',
      tags,
      summary: 'Change the title or description (edit) or the visibility (manage)',
      ...signedIn,
      request: { params: idParams, body: jsonBody(assetPatchSchema) },
      responses: { 200: jsonResponse(assetDetailSchema, 'The changed asset'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const userId = callerId(c);
      const now = new Date();
      const db = c.get('services').db();
      const { asset, permission } = await assetAccess(db, id, userId, now);
      if (patch.title !== undefined || patch.description !== undefined)
        requirePermission(permission, 'edit', 'Changing the title or description');
      if (patch.visibility !== undefined) requirePermission(permission, 'manage', 'Changing the visibility');
      if (asset.deletedAt) throw inTrash();
      await db.transaction(async (tx) => {
        if (!(await updateAsset(tx, id, patch, now, userId))) throw inTrash();
        if (patch.visibility !== undefined && patch.visibility !== asset.visibility) {
          await writeAudit(tx, requestMeta(c), {
            action: 'asset.visibility_changed',
            actorId: userId,
            resource: { type: 'asset', id: id },
            detail: { from: asset.visibility, to: patch.visibility },
          });
        }
      });
      return c.json(await detail(c, id, userId, now), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/assets/{id}',
      tags,
      summary: "Move to the owner's trash (manage); purgeable after the retention period",
      ...signedIn,
      request: { params: idParams },
      responses: { 204: { description: 'In the trash (also when it already was)' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const userId = callerId(c);
      const now = new Date();
      const { db, config } = c.get('services');
      const { asset } = await assetAccess(db(), id, userId, now, { need: 'manage', for: 'Deleting an asset' });
      if (!asset.deletedAt) {
        await db().transaction(async (tx) => {
          const deleted = await softDeleteAsset(tx, id, now, config.RETENTION_DAYS);
          if (!deleted) return; // deleted meanwhile: the same outcome
          await writeAudit(tx, requestMeta(c), {
            action: 'asset.delete',
            actorId: userId,
            resource: { type: 'asset', id: id },
            detail: { ownerId: asset.ownerId, purgeAfter: deleted.purgeAfter.toISOString() },
          });
        });
      }
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/assets/{id}/restore',
      tags,
      summary: 'Take an asset out of the trash (owner only)',
      ...signedIn,
      request: { params: idParams },
      responses: { 200: jsonResponse(assetDetailSchema, 'The restored asset'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const userId = callerId(c);
      const now = new Date();
      const db = c.get('services').db();
      const { asset } = await assetAccess(db, id, userId, now);
      if (asset.ownerId !== userId) throw new AppError('forbidden', 'Only the owner can restore an asset.');
      await db.transaction(async (tx) => {
        const result = await restoreAsset(tx, id, now);
        if (result === 'not_in_trash') throw new AppError('conflict', 'The asset is not in the trash.');
        if (result === 'purge_pending') throw new AppError('conflict', 'The asset is being purged and cannot be restored.');
        await writeAudit(tx, requestMeta(c), { action: 'asset.restore', actorId: userId, resource: { type: 'asset', id } });
      });
      return c.json(await detail(c, id, userId, now), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/assets/{id}/purge',
      tags,
      summary: 'Ask for a trashed asset to be purged now (owner only, audited)',
      description:
        'Sets `purge_after` to now; the scheduled purge in origin/ then removes the original, all its versions and all derivatives. Irreversible: a restore is refused from here on.',
      ...signedIn,
      request: { params: idParams },
      responses: {
        202: jsonResponse(z.object({ id: z.string(), purgeAfter: z.string() }).openapi('PurgeRequested'), 'Purge requested'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const userId = callerId(c);
      const now = new Date();
      const db = c.get('services').db();
      const { asset } = await assetAccess(db, id, userId, now);
      if (asset.ownerId !== userId) throw new AppError('forbidden', 'Only the owner can purge an asset.');
      if (!asset.deletedAt) throw new AppError('conflict', 'Only an asset in the trash can be purged; delete it first.');
      await db.transaction(async (tx) => {
        if (!(await requestPurge(tx, id, now))) throw new AppError('conflict', 'The asset is no longer in the trash.');
        await writeAudit(tx, requestMeta(c), {
          action: 'asset.purge_requested',
          actorId: userId,
          resource: { type: 'asset', id: id },
          detail: { filename: asset.filename, deletedAt: asset.deletedAt!.toISOString() },
        });
      });
      return c.json({ id, purgeAfter: now.toISOString() }, 202);
    },
  );
