/**
 * `GET /.well-known/jwks.json`: the public keys that verify this edge's
 * tokens, the active one and every verify-only one (KeySet.publicJwks copies
 * public members only). Cached for 5 minutes by anyone: a key added for a
 * rotation must be published at least that long before it signs anything
 * (see shared/tokens/keys.ts).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';

export const JWKS_MAX_AGE_SECONDS = 300;

export const jwks = new Hono<AppEnv>().get('/.well-known/jwks.json', async (c) => {
  const keys = await c.get('services').keys();
  c.header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
  c.header('Access-Control-Allow-Origin', '*');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Content-Type', 'application/jwk-set+json');
  return c.body(JSON.stringify(keys.publicJwks()), 200);
});
