/**
 * `POST /api/uploads` {filename, size, contentType, sha256?, collectionId?, dedup?}
 * → 201 `{ assetId, method: "PUT", url, headers, expiresAt }`: a presigned PUT
 * valid 5 minutes, bound to the asset's key, the declared length and type, and
 * the SHA-256 when one is declared. Over 100 MiB: 413 with `details.useMultipart`
 * (the client switches to /s3/multipart). With `dedup: true` and a `sha256`
 * matching a ready asset the caller owns: 200 `{ assetId, status: "ready",
 * deduplicated: true }` and nothing new is created.
 */
import { createRoute } from '@hono/zod-openapi';
import { BODY_LIMITS } from '../api/json-body.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn } from '../api/router.ts';
import { currentUser } from '../auth/authenticate.ts';
import { createUploadBody, uploadDeduplicatedSchema, uploadStartedSchema } from './schemas.ts';
import { checkCollection, startPutUpload } from './start-upload.ts';
import { uploadDeps } from './upload-deps.ts';
import { addToCollection, findReadyDuplicate } from './upload-store.ts';

export const uploadRoutes = apiRouter().openapi(
  createRoute({
    method: 'post',
    path: '/api/uploads',
    tags: ['Uploads'],
    summary: 'Start a single-PUT upload (up to 100 MiB; larger files use the multipart endpoints under /s3/)',
    ...signedIn,
    request: { body: jsonBody(createUploadBody, { maxBytes: BODY_LIMITS.small }) },
    responses: {
      200: jsonResponse(uploadDeduplicatedSchema, 'Deduplicated: the same bytes are already a ready asset of the caller'),
      201: jsonResponse(uploadStartedSchema, 'Upload started'),
      ...errorResponses(400, 401, 404, 413, 415, 429),
    },
  }),
  async (c) => {
    const user = currentUser(c);
    const body = c.req.valid('json');
    const deps = uploadDeps(c);
    if (body.dedup && body.sha256) {
      const existing = await findReadyDuplicate(deps.db, user.id, body.sha256);
      if (existing) {
        await checkCollection(deps.db, user.id, body.collectionId);
        if (body.collectionId) await addToCollection(deps.db, body.collectionId, existing, user.id);
        return c.json({ assetId: existing, status: 'ready' as const, deduplicated: true as const }, 200);
      }
    }
    return c.json(await startPutUpload(deps, user.id, body), 201);
  },
);
