/**
 * Every route the edge registers has an entry in the API key scope table
 * (edge/auth/api-keys/route-scopes.ts), and every entry names a registered
 * route: a new route cannot silently become reachable (or unreachable) by
 * API keys, and no stale entry lingers.
 */
import { describe, expect, it } from 'vitest';
import { keyMayCall, ROUTE_SCOPES } from '../../edge/auth/api-keys/route-scopes.ts';
import { createApp } from '../../edge/app.ts';

const registered = () =>
  new Set(
    createApp()
      .routes.filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`),
  );

describe('the route scope table', () => {
  it('has an entry for every registered route', () => {
    const missing = [...registered()].filter((k) => !(k in ROUTE_SCOPES));
    expect(missing).toEqual([]);
  });

  it('names only registered routes', () => {
    const routes = registered();
    expect(Object.keys(ROUTE_SCOPES).filter((k) => !routes.has(k))).toEqual([]);
  });

  it('closes every account route to keys', () => {
    for (const key of Object.keys(ROUTE_SCOPES).filter((k) => /\/api\/auth\/(password|totp|sessions|api-keys)/.test(k))) {
      expect(ROUTE_SCOPES[key], key).toBe('session');
    }
  });

  it('decides by all scopes of one alternative; HEAD is GET; unknown routes are refused', () => {
    expect(keyMayCall('POST', '/api/share-links', ['sharing'])).toEqual({ ok: false, reason: 'missing_scope' });
    expect(keyMayCall('POST', '/api/share-links', ['sharing', 'assets:read'])).toEqual({ ok: true });
    expect(keyMayCall('GET', '/api/assets/:id/status', ['uploads'])).toEqual({ ok: true });
    expect(keyMayCall('HEAD', '/m/:assetId/:variant{.+}', ['assets:read'])).toEqual({ ok: true });
    expect(keyMayCall('POST', '/api/auth/api-keys', ['assets:read', 'assets:write', 'uploads', 'sharing'])).toEqual({
      ok: false,
      reason: 'session_only',
    });
    expect(keyMayCall('GET', '/api/nothing', ['assets:read'])).toEqual({ ok: false, reason: 'unmapped' });
  });
});
