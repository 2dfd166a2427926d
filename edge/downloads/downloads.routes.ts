/**
 * ZIP downloads for signed-in users:
 * - `POST /api/downloads` {collectionId | assetIds, variant?} → a signed URL
 *   (`/api/downloads/{token}`, 10 minutes) a browser can open without an
 *   Authorization header, bound to the caller, their session and the
 *   contents; access is checked when it is made (404/403 as the gate says)
 *   and again when it is opened.
 * - `GET /api/downloads/{token}`: the session must still stand (401
 *   `session_ended` after logout) and the archive holds what the caller may
 *   download *now*.
 * - `GET /api/collections/{id}/download.zip` with Bearer, for API clients.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { signZipToken, verifyZipToken, type ZipContents } from '../../shared/tokens/index.ts';
import { tokenSigner } from '../api/request-context.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn, uuidParam } from '../api/router.ts';
import { currentUser } from '../auth/authenticate.ts';
import { isSessionLive } from '../auth/live-session.ts';
import { sessionEnded } from '../auth/challenge.ts';
import { tokenRefused } from '../delivery/token-errors.ts';
import type { AppEnv } from '../env.ts';
import { archiveResponse, rangeOf } from './archive-response.ts';
import { userArchive, type ArchiveOptions } from './archive.service.ts';
import { archiveQuery, createDownloadSchema, downloadLinkSchema, zipResponses } from './schemas.ts';

const tags = ['Downloads'];
const NO_STORE = 'private, no-store';

async function answer(c: Context<AppEnv>, userId: string, contents: ZipContents, o: ArchiveOptions): Promise<Response> {
  const { db, storage, config } = c.get('services');
  const { plan, filename } = await userArchive(db(), userId, contents, o, new Date());
  return archiveResponse({
    storage,
    buckets: { raw: config.S3_BUCKET_RAW, derivatives: config.S3_BUCKET_DERIVATIVES },
    plan,
    method: c.req.method === 'HEAD' ? 'HEAD' : 'GET',
    range: rangeOf(plan, c.req.raw.headers),
    filename,
    cacheControl: NO_STORE,
  });
}

const tokenParam = z.object({
  token: z
    .string()
    .min(1)
    .max(4096)
    .openapi({ param: { name: 'token', in: 'path' } }),
});

export const downloadRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/downloads',
      tags,
      summary: 'A signed URL for a ZIP of a collection or of selected assets',
      description:
        'Checks access now (the collection: view; assets the caller cannot see are listed by id in MANIFEST.txt) and again when the URL is opened. The URL lives 10 minutes and works only while the session that asked stands.',
      ...signedIn,
      request: { body: jsonBody(createDownloadSchema) },
      responses: { 201: jsonResponse(downloadLinkSchema, 'The signed URL'), ...errorResponses(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = currentUser(c);
      const contents: ZipContents = body.collectionId !== undefined ? { collectionId: body.collectionId } : { assetIds: body.assetIds! };
      const o = { variant: body.variant, forceZip64: body.zip64 === 'always' };
      // Refuse now what would be refused when opened (no such collection, nothing downloadable).
      await userArchive(c.get('services').db(), user.id, contents, o, new Date());
      const { keys, party } = await tokenSigner(c);
      const { token, expiresAt } = await signZipToken(keys, { ...party, userId: user.id, sessionId: user.sid, contents, ...o });
      return c.json({ url: `/api/downloads/${token}`, expiresAt: expiresAt.toISOString() }, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/downloads/{token}',
      tags,
      summary: 'The ZIP a signed download URL names (no Authorization header)',
      request: { params: tokenParam },
      responses: { ...zipResponses, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { token } = c.req.valid('param');
      const { keys, party } = await tokenSigner(c);
      const claims = await verifyZipToken(keys, token, party).catch((err: unknown) =>
        tokenRefused(err, c.get('requestId'), 'download URL'),
      );
      // Logged out, refresh family revoked, account disabled: the URL dies with the session.
      if (!(await isSessionLive(c.get('services').db(), claims.userId, claims.sessionId))) throw sessionEnded();
      return answer(c, claims.userId, claims.contents, { variant: claims.variant, forceZip64: claims.forceZip64 }) as never;
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/collections/{id}/download.zip',
      tags,
      summary: 'A collection as one ZIP (Bearer; browsers use POST /api/downloads)',
      ...signedIn,
      request: { params: z.object({ id: uuidParam }), query: archiveQuery },
      responses: { ...zipResponses, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      return answer(c, currentUser(c).id, { collectionId: id }, { variant: q.variant, forceZip64: q.zip64 === 'always' }) as never;
    },
  );
