/**
 * Routes whose handlers are plain Hono (auth reads cookies and checks the
 * Origin before parsing; uploads answer with presigned URLs), described in
 * `/api/openapi.json` from the same zod schemas their handlers validate
 * with, so the SPA's generated types cover them too. Only the document is
 * added here: the handlers in edge/auth/auth.routes.ts and uploads.ts are unchanged.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { loginBody, passwordChangeBody, registerBody } from '../auth/schemas.ts';
import type { AppEnv } from '../env.ts';
import { createUploadBody } from '../uploads/schemas.ts';
import { bearerAuth, errorResponses, jsonBody, jsonResponse } from './router.ts';

const user = z.object({ id: z.string(), email: z.string(), name: z.string(), createdAt: z.string() }).openapi('User');

const session = z
  .object({
    accessToken: z.string().openapi({ description: 'A short-lived JWT for `Authorization: Bearer`.' }),
    expiresIn: z.number().openapi({ description: 'Seconds until the access token expires.' }),
    user,
  })
  .openapi('Session', { description: 'Also sets the httpOnly `__Host-refresh` cookie.' });

const upload = z
  .object({
    assetId: z.string(),
    method: z.literal('PUT'),
    url: z.string().openapi({ description: 'Presigned S3 URL: PUT the bytes here with `headers`.' }),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  })
  .openapi('UploadStarted');

const duplicate = z
  .object({ assetId: z.string(), status: z.literal('ready'), deduplicated: z.literal(true) })
  .openapi('UploadDeduplicated');

export function registerDocumentedRoutes(app: OpenAPIHono<AppEnv>): void {
  const r = app.openAPIRegistry;
  const tags = ['Auth'];
  r.registerPath({
    method: 'post',
    path: '/api/auth/register',
    tags,
    summary: 'Create an account and sign in',
    request: { body: jsonBody(registerBody) },
    responses: { 201: jsonResponse(session, 'Signed in'), ...errorResponses(400, 403, 409, 413, 415, 429) },
  });
  r.registerPath({
    method: 'post',
    path: '/api/auth/login',
    tags,
    summary: 'Sign in with email and password',
    request: { body: jsonBody(loginBody) },
    responses: { 200: jsonResponse(session, 'Signed in'), ...errorResponses(400, 401, 403, 413, 415, 429) },
  });
  r.registerPath({
    method: 'post',
    path: '/api/auth/refresh',
    tags,
    summary: 'A new access token from the refresh cookie (rotated on every use; a reused one revokes the session)',
    responses: { 200: jsonResponse(session, 'Refreshed'), ...errorResponses(401, 403, 429) },
  });
  r.registerPath({
    method: 'post',
    path: '/api/auth/logout',
    tags,
    summary: 'End the session of the refresh cookie',
    responses: { 204: { description: 'Signed out (also without a session)' }, ...errorResponses(403, 429) },
  });
  r.registerPath({
    method: 'post',
    path: '/api/auth/password',
    tags,
    summary: "Change the password: ends every session of the account (this one too) and answers a fresh one",
    description:
      'Guesses of the current password count against the same per-account and per-address limits as login. ' +
      'A wrong current password is 403; 401 `session_ended` means the access token\'s session is over.',
    security: bearerAuth,
    request: { body: jsonBody(passwordChangeBody) },
    responses: { 200: jsonResponse(session, 'Password changed; signed in with a new session'), ...errorResponses(400, 401, 403, 409, 413, 415, 429) },
  });
  r.registerPath({
    method: 'post',
    path: '/api/uploads',
    tags: ['Uploads'],
    summary: 'Start a single-PUT upload (up to 100 MiB; larger files use the multipart endpoints under /s3/)',
    security: bearerAuth,
    request: { body: jsonBody(createUploadBody) },
    responses: {
      200: jsonResponse(duplicate, 'Deduplicated: the same bytes are already a ready asset of the caller'),
      201: jsonResponse(upload, 'Upload started'),
      ...errorResponses(400, 401, 404, 413, 415, 429),
    },
  });
}
