/**
 * `GET /api/me`: the signed-in user. Checks the database (user not disabled,
 * session not logged out), so it is the route a client calls to learn whether
 * its session still stands.
 */
import { Hono } from 'hono';
import { loadActiveUser, requireUser } from './authenticate.ts';
import type { AppEnv } from '../env.ts';

export const me = new Hono<AppEnv>().get('/api/me', requireUser(), async (c) => {
  const user = await loadActiveUser(c);
  c.header('Cache-Control', 'private, no-store');
  return c.json({ user }, 200);
});
