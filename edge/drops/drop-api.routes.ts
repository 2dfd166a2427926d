/**
 * `POST /api/share/{token}/uploads` {filename, size, contentType, sha256?,
 * uploaderName, note?} → 201 `{assetId, method: "PUT", url, headers,
 * expiresAt}`: the single presigned PUT of `POST /api/uploads`, through an
 * upload link (no account; the link's unlock when it has a password). For
 * clients that are not Uppy (curl, scripts); files over 100 MiB use the
 * multipart endpoints under `/s/{token}/s3/`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { BODY_LIMITS } from '../api/json-body.ts';
import { requestMeta } from '../api/request-context.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse } from '../api/router.ts';
import { checkRateLimit, DROP_LINK_LIMIT } from '../middleware/rate-limit.ts';
import { uploadStartedSchema } from '../uploads/schemas.ts';
import { uploadDeps } from '../uploads/upload-deps.ts';
import { openDrop } from './drop-gate.ts';
import { startDropUpload } from './drop-upload.service.ts';
import { dropPutBody } from './schemas.ts';

const tokenParam = z.object({
  token: z
    .string()
    .min(1)
    .max(4096)
    .openapi({ param: { name: 'token', in: 'path' } }),
});

export const dropApiRoutes = apiRouter().openapi(
  createRoute({
    method: 'post',
    path: '/api/share/{token}/uploads',
    tags: ['Share links'],
    summary: 'Upload a file through an upload ("file drop") link: a presigned PUT (no account needed)',
    request: { params: tokenParam, body: jsonBody(dropPutBody, { maxBytes: BODY_LIMITS.small }) },
    responses: { 201: jsonResponse(uploadStartedSchema, 'Upload started'), ...errorResponses(400, 401, 403, 410, 413, 415, 429) },
  }),
  async (c) => {
    const { token } = c.req.valid('param');
    const body = c.req.valid('json');
    const now = new Date();
    const link = await openDrop(c, token, now);
    await checkRateLimit(c, DROP_LINK_LIMIT, `link:${link.id}`);
    const started = await startDropUpload(uploadDeps(c, now), requestMeta(c), link, 'put', body);
    return c.json(started, 201);
  },
);
