/**
 * `GET /api/me`: the signed-in user. Checks the database (user not disabled,
 * session not logged out), so it is the route a client calls to learn whether
 * its session still stands.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonResponse, signedIn } from '../api/router.ts';
import { loadActiveUser } from './authenticate.ts';
import { userSchema } from './schemas.ts';

export const meRoutes = apiRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/me',
    tags: ['Auth'],
    summary: 'The signed-in user (checks that the session still stands)',
    ...signedIn,
    responses: { 200: jsonResponse(z.object({ user: userSchema }).openapi('Me'), 'The user'), ...errorResponses(401) },
  }),
  async (c) => c.json({ user: await loadActiveUser(c) }, 200),
);
