/**
 * Authentication by API key (`Authorization: Bearer mpk_…` or `X-API-Key:
 * mpk_…`), called by edge/auth/authenticate.ts, the one place every route
 * authenticates. One indexed query per request finds the key by its prefix
 * and says whether it is usable (unrevoked, unexpired, user enabled), so a
 * revoked key stops at once, for reads too. The hash of the presented key is
 * compared with the stored one in constant time; an unknown prefix is
 * compared with a dummy hash, so both refusals do the same work after the
 * query. Then the route must be one the key's scopes allow (./route-scopes.ts).
 * `last_used_at` is written at most once a minute per key.
 */
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../../env.ts';
import { AppError } from '../../errors.ts';
import { findKeyByPrefix, touchApiKey } from './api-keys-store.ts';
import { keyHash, prefixOf, sameHash } from './key-format.ts';
import { keyMayCall } from './route-scopes.ts';

const REALM = 'media-platform';
const DUMMY_HASH = 'A'.repeat(43);

function log(c: Context<AppEnv>, code: string): void {
  console.log(JSON.stringify({ level: 'info', msg: 'api key refused', code, requestId: c.get('requestId') }));
}

const invalidKey = () =>
  new AppError('invalid_api_key', 'The API key is not valid: unknown, revoked or expired.', {
    headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token"` },
  });

const insufficientScope = (message: string) =>
  new AppError('insufficient_scope', message, { headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope"` } });

/**
 * The path of the route that will answer (its handler, not a middleware
 * mounted on a wildcard such as `/s3/multipart/*`), as registered: the key
 * of the scope table. Unmatched (the not-found handler): `''`, refused.
 */
function handlerPath(c: Context<AppEnv>): string {
  const handler = matchedRoutes(c).findLast((r) => r.method !== 'ALL');
  return handler?.path ?? '';
}

export interface KeyCaller {
  userId: string;
  keyId: string;
  scopes: string[];
}

/** @throws 401 `invalid_api_key`, 403 `insufficient_scope`. */
export async function authenticateApiKey(c: Context<AppEnv>, key: string): Promise<KeyCaller> {
  const prefix = prefixOf(key);
  const db = c.get('services').db();
  const row = prefix === null ? undefined : await findKeyByPrefix(db, prefix);
  const matches = sameHash(await keyHash(key), row?.secretHash ?? DUMMY_HASH);
  if (!row || !matches || !row.usable) {
    log(c, !prefix ? 'key_malformed' : !row ? 'key_unknown' : !matches ? 'key_wrong_secret' : 'key_unusable');
    throw invalidKey();
  }
  const decision = keyMayCall(c.req.method, handlerPath(c), row.scopes);
  if (!decision.ok) {
    log(c, `scope_${decision.reason}`);
    throw insufficientScope(
      decision.reason === 'missing_scope'
        ? 'The API key does not have the scope this request needs.'
        : 'API keys cannot be used for this request.',
    );
  }
  if (row.stale) await touchApiKey(db, row.id);
  return { userId: row.userId, keyId: row.id, scopes: row.scopes };
}
