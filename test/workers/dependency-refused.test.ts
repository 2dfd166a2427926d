/**
 * A dependency that refuses the connection (down, restarting), as opposed to
 * one that hangs (test/node/frozen-dependencies.test.ts): the database relay
 * or the storage endpoint on a port nothing listens on, or a relay that drops
 * the connection (it will not dial the database asked for). Every request that
 * needs it answers 503 `unavailable` with Retry-After in the one error shape,
 * logs a warning with its request id (no error line, no stack), and leaves
 * nothing half-made behind.
 */
import { env } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../edge/app.ts';
import { RETRY_AFTER_SECONDS } from '../../shared/deadline.ts';
import { call, ORIGIN, type Registered, register, uniqueIp } from './support/auth.ts';

/** Port 9 (discard): nothing listens there, so the connection is refused. */
const CLOSED = {
  database: { DATABASE_WS_PROXY: '127.0.0.1:9/v1' },
  // The relay answers but will not dial this database (not on its allow-list): with the relay's login the
  // driver pipelines its start-up, so this shows only at the first statement, as a dropped connection.
  relay: { DATABASE_URL: 'postgres://media_edge:x@127.0.0.1:1/none' },
  storage: { S3_ENDPOINT: 'http://127.0.0.1:9' },
};
const dependencyOf = (down: keyof typeof CLOSED) => (down === 'storage' ? 'storage' : 'database');
let user: Registered;
const tag = `refused-${crypto.randomUUID()}`;

beforeAll(async () => {
  user = await register('refused');
});
afterEach(() => vi.restoreAllMocks());

/** A request to the edge with one dependency's address replaced by a closed port. */
function against(down: keyof typeof CLOSED, path: string, init: { method?: string; json?: unknown; auth?: boolean; rid: string }) {
  const headers: Record<string, string> = { 'cf-connecting-ip': uniqueIp(), origin: ORIGIN, 'x-request-id': init.rid };
  if (init.auth !== false) headers.authorization = `Bearer ${user.accessToken}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const body = init.json === undefined ? undefined : JSON.stringify(init.json);
  return createApp().request(`${ORIGIN}${path}`, { method: init.method ?? 'GET', headers, body }, { ...env, ...CLOSED[down] });
}

const cases: { name: string; down: keyof typeof CLOSED; path: string; method?: string; json?: unknown; auth?: boolean }[] = [
  { name: 'API read, database refused', down: 'database', path: '/api/assets' },
  { name: 'API write, database refused', down: 'database', path: '/api/collections', method: 'POST', json: { name: tag } },
  { name: 'API write, relay refuses the database', down: 'relay', path: '/api/collections', method: 'POST', json: { name: tag } },
  {
    name: 'login, database refused',
    down: 'database',
    path: '/api/auth/login',
    method: 'POST',
    json: { email: 'nobody@example.test', password: 'whatever it is' },
    auth: false,
  },
  {
    name: 'multipart upload start, storage refused',
    down: 'storage',
    path: '/s3/multipart',
    method: 'POST',
    json: { filename: `${tag}.bin`, type: 'application/octet-stream', metadata: { size: 64 * 1024 * 1024 } },
  },
];

describe('a dependency that refuses the connection', () => {
  for (const c of cases) {
    it(`${c.name}: 503 unavailable with Retry-After, a warning with the request id, no error line`, async () => {
      const warn = vi.spyOn(console, 'warn');
      const error = vi.spyOn(console, 'error');
      const rid = `${tag}-${c.name.replace(/\W+/g, '-')}`;
      const res = await against(c.down, c.path, { ...c, rid });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS));
      expect(await res.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String), requestId: rid } });
      const lines = warn.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
      expect(lines).toContainEqual({ level: 'warn', msg: 'dependency unreachable', dependency: dependencyOf(c.down), requestId: rid });
      expect(error).not.toHaveBeenCalled();
    });
  }

  it('left nothing behind: no collection, no asset from the refused requests', async () => {
    const collections = (await (await call('/api/collections', { token: user.accessToken })).json()) as { items: { name: string }[] };
    expect(collections.items.map((c) => c.name)).not.toContain(tag);
    const assets = (await (await call('/api/assets?limit=100', { token: user.accessToken })).json()) as { items: { filename: string }[] };
    expect(assets.items.filter((a) => a.filename.startsWith(tag))).toEqual([]);
    // The control: the same multipart start with storage up does make its asset.
    const ok = await call('/s3/multipart', {
      token: user.accessToken,
      headers: { origin: ORIGIN },
      json: { filename: `${tag}-control.bin`, type: 'application/octet-stream', metadata: { size: 64 * 1024 * 1024 } },
    });
    expect(ok.status).toBe(200);
    const after = (await (await call('/api/assets?limit=100', { token: user.accessToken })).json()) as { items: { filename: string }[] };
    expect(after.items.map((a) => a.filename)).toContain(`${tag}-control.bin`);
  });
});
