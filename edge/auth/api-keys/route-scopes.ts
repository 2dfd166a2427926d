/**
 * What an API key may call: every registered route, by method and Hono
 * path, in one table (test/unit/route-scopes.test.ts holds it to the app's
 * route list both ways). An entry is
 *
 * - a list of alternatives, each a set of scopes the key must all hold
 *   (`anyOf(['uploads'], ['assets:read'])`, `allOf('sharing', 'assets:read')`);
 * - `'any-key'`: any valid key (who am I);
 * - `'session'`: never with a key (keys, 2FA, sessions, password, anything
 *   irreversible or needing a person's consent);
 * - `'public'`: the route authenticates no one; a key sent there is refused.
 *
 * A route missing from the table is refused to keys (deny by default).
 * Scopes only narrow: what a key reaches is also limited by its user's own
 * rights, checked live by the access gate on every request.
 */
import type { Scope } from './key-format.ts';

export type RouteRule = 'session' | 'public' | 'any-key' | readonly (readonly Scope[])[];

const scope = (s: Scope): RouteRule => [[s]];
const allOf = (...s: Scope[]): RouteRule => [s];
const anyOf = (...alternatives: Scope[][]): RouteRule => alternatives;

const READ = scope('assets:read');
const WRITE = scope('assets:write');
const UPLOADS = scope('uploads');
const SHARING = scope('sharing');
/** Passing rights on also reads what is passed on (a link or grant to oneself would read it). */
const SHARE_OUT = allOf('sharing', 'assets:read');

export const ROUTE_SCOPES: Record<string, RouteRule> = {
  // Platform and public auth
  'GET /healthz': 'public',
  'GET /.well-known/jwks.json': 'public',
  'GET /api/openapi.json': 'public',
  'GET /api/docs': 'public',
  'POST /api/auth/register': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/login/second-factor': 'public',
  'POST /api/auth/login/second-factor/passkey-options': 'public',
  'POST /api/auth/passkeys/sign-in/options': 'public',
  'POST /api/auth/passkeys/sign-in': 'public',
  'POST /api/auth/refresh': 'public',
  'POST /api/auth/logout': 'public',
  'GET /s/:shareToken/:rest{.+}': 'public',
  'GET /api/share/:token': 'public',
  'POST /api/share/:token/unlock': 'public',
  // Share links (edge/drops/, edge/downloads/): the link token authenticates.
  'GET /s/:shareToken/download.zip': 'public',
  'GET /s/:token/s3/params': 'public',
  'POST /s/:token/s3/multipart': 'public',
  'GET /s/:token/s3/multipart/:uploadId/:partNumber': 'public',
  'GET /s/:token/s3/multipart/:uploadId': 'public',
  'POST /s/:token/s3/multipart/:uploadId/complete': 'public',
  'DELETE /s/:token/s3/multipart/:uploadId': 'public',
  'POST /api/share/:token/uploads': 'public',
  // A signed ZIP URL is bound to the browser session that asked for it (it dies with it);
  // scripts with a key download a collection directly.
  'POST /api/downloads': 'session',
  'GET /api/downloads/:token': 'public',
  // The account: never with a key
  'GET /api/me': 'any-key',
  'POST /api/auth/password': 'session',
  'GET /api/auth/totp': 'session',
  'POST /api/auth/totp/enrol': 'session',
  'POST /api/auth/totp/confirm': 'session',
  'POST /api/auth/totp/recovery-codes': 'session',
  'POST /api/auth/totp/disable': 'session',
  'GET /api/auth/sessions': 'session',
  'DELETE /api/auth/sessions/:id': 'session',
  'POST /api/auth/sessions/end-others': 'session',
  'GET /api/auth/api-keys': 'session',
  'POST /api/auth/api-keys': 'session',
  'DELETE /api/auth/api-keys/:id': 'session',
  'GET /api/auth/passkeys': 'session',
  'POST /api/auth/passkeys/registration/options': 'session',
  'POST /api/auth/passkeys/registration': 'session',
  'PATCH /api/auth/passkeys/:id': 'session',
  'DELETE /api/auth/passkeys/:id': 'session',
  // Webhooks (edge/webhooks/): an endpoint hears of everything its owner has, so only a person adds or changes one.
  'GET /api/webhooks': 'session',
  'POST /api/webhooks': 'session',
  'GET /api/webhooks/:id': 'session',
  'PATCH /api/webhooks/:id': 'session',
  'DELETE /api/webhooks/:id': 'session',
  'POST /api/webhooks/:id/rotate-secret': 'session',
  'GET /api/webhooks/:id/deliveries': 'session',
  'POST /api/webhooks/:id/test': 'session',
  'POST /api/webhooks/:id/deliveries/:deliveryId/redeliver': 'session',
  // Media and the library
  'GET /m/:assetId/:variant{.+}': READ,
  'GET /api/assets': READ,
  'GET /api/assets/timeline': READ,
  'POST /api/assets/bulk': WRITE,
  'GET /api/assets/:id': READ,
  'GET /api/assets/:id/status': anyOf(['assets:read'], ['uploads']),
  'PATCH /api/assets/:id': WRITE,
  'DELETE /api/assets/:id': WRITE,
  'POST /api/assets/:id/restore': WRITE,
  /** Irreversible: removes the bytes before the retention period. */
  'POST /api/assets/:id/purge': 'session',
  'GET /api/trash': READ,
  'GET /api/tags': READ,
  'PUT /api/assets/:id/tags': WRITE,
  'GET /api/assets/:id/subtitles': READ,
  'PUT /api/assets/:id/subtitles/:language': WRITE,
  'DELETE /api/assets/:id/subtitles/:language': WRITE,
  'GET /api/search': READ,
  'POST /api/collections': WRITE,
  'GET /api/collections': READ,
  'GET /api/collections/:id': READ,
  'PATCH /api/collections/:id': WRITE,
  'DELETE /api/collections/:id': WRITE,
  'POST /api/collections/:id/items': WRITE,
  'DELETE /api/collections/:id/items/:assetId': WRITE,
  'PUT /api/collections/:id/items/order': WRITE,
  'GET /api/collections/:id/download.zip': READ,
  // Uploads (simple and the Companion endpoints)
  'POST /api/uploads': UPLOADS,
  'POST /s3/multipart': UPLOADS,
  'GET /s3/multipart/:uploadId/:partNumber': UPLOADS,
  'GET /s3/multipart/:uploadId': UPLOADS,
  'POST /s3/multipart/:uploadId/complete': UPLOADS,
  'DELETE /s3/multipart/:uploadId': UPLOADS,
  'GET /s3/params': UPLOADS,
  'GET /status': UPLOADS,
  // Sharing, orgs and groups
  'POST /api/grants': SHARE_OUT,
  'GET /api/grants': SHARING,
  'PATCH /api/grants/:id': SHARE_OUT,
  'DELETE /api/grants/:id': SHARING,
  'POST /api/share-links': SHARE_OUT,
  'GET /api/share-links': SHARE_OUT,
  'PATCH /api/share-links/:id': SHARE_OUT,
  'DELETE /api/share-links/:id': SHARING,
  'GET /api/audit': SHARING,
  'POST /api/orgs': SHARING,
  'GET /api/orgs': SHARING,
  'GET /api/orgs/:id': SHARING,
  'PATCH /api/orgs/:id': SHARING,
  'GET /api/orgs/:id/members': SHARING,
  'PATCH /api/orgs/:id/members/:userId': SHARING,
  'DELETE /api/orgs/:id/members/:userId': SHARING,
  'POST /api/orgs/:id/members': SHARING,
  'POST /api/orgs/:id/invitations': SHARING,
  'GET /api/orgs/:id/invitations': SHARING,
  'DELETE /api/orgs/:id/invitations/:invitationId': SHARING,
  'GET /api/invitations': SHARING,
  /** Joining an org is the member's own consent: a person, not a script. */
  'POST /api/invitations/:id/accept': 'session',
  'POST /api/invitations/:id/decline': 'session',
  'POST /api/orgs/:id/groups': SHARING,
  'GET /api/orgs/:id/groups': SHARING,
  'DELETE /api/groups/:id': SHARING,
  'GET /api/groups/:id/members': SHARING,
  'POST /api/groups/:id/members': SHARING,
  'DELETE /api/groups/:id/members/:userId': SHARING,
};

export type ScopeDecision = { ok: true } | { ok: false; reason: 'session_only' | 'missing_scope' | 'unmapped' };

/** Whether a key holding `scopes` may call `METHOD path` (HEAD counts as GET). */
export function keyMayCall(method: string, routePath: string, scopes: readonly string[]): ScopeDecision {
  const rule = ROUTE_SCOPES[`${method === 'HEAD' ? 'GET' : method} ${routePath}`];
  if (rule === undefined) return { ok: false, reason: 'unmapped' };
  if (rule === 'any-key') return { ok: true };
  if (rule === 'session' || rule === 'public') return { ok: false, reason: 'session_only' };
  return rule.some((needed) => needed.every((s) => scopes.includes(s))) ? { ok: true } : { ok: false, reason: 'missing_scope' };
}
