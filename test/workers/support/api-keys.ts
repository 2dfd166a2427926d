/** For the API key suites: create a key through the API and call with it. */
import { SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { call, ORIGIN, uniqueIp } from './auth.ts';

export interface CreatedKey {
  id: string;
  secret: string;
  prefix: string;
}

export async function createKey(token: string, scopes: string[], extra: Record<string, unknown> = {}): Promise<CreatedKey> {
  const res = await call('/api/auth/api-keys', { token, json: { name: `key ${scopes.join('+')}`, scopes, ...extra } });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  const body = JSON.parse(text) as { key: { id: string; prefix: string }; secret: string };
  return { id: body.key.id, secret: body.secret, prefix: body.key.prefix };
}

/** A request with the key as `X-API-Key` (or as Bearer with `bearer: true`). */
export function withKey(
  path: string,
  secret: string,
  o: { method?: string; json?: unknown; bearer?: boolean; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'cf-connecting-ip': uniqueIp(), ...o.headers };
  if (o.bearer) headers.authorization = `Bearer ${secret}`;
  else headers['x-api-key'] = secret;
  if (o.json !== undefined) headers['content-type'] = 'application/json';
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: o.method ?? (o.json === undefined ? 'GET' : 'POST'),
    headers,
    body: o.json === undefined ? undefined : JSON.stringify(o.json),
  });
}
