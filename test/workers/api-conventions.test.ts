/**
 * What every API answer has in common, from one place each: `Cache-Control:
 * private, no-store` on /api, /s3 and /status answers, errors included, unless
 * the handler chose another policy (edge/middleware/no-store.ts); and the
 * request's own id and client address on the audit rows its services write
 * (edge/api/request-context.ts → edge/audit/write-audit.ts).
 */
import { and, desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../../shared/db/schema.ts';
import { call, register, uniqueIp } from './support/auth.ts';
import { withDb } from './support/fixtures.ts';

const NO_STORE = 'private, no-store';

describe('Cache-Control on API answers', () => {
  it('is private, no-store on successes, refusals and errors alike', async () => {
    const user = await register('nostore');
    const answers = {
      // A route that never set the header itself.
      orgs: await call('/api/orgs', { token: user.accessToken }),
      me: await call('/api/me', { token: user.accessToken }),
      anonymous: await call('/api/assets'),
      invalid: await call('/api/assets?limit=nope', { token: user.accessToken }),
      missing: await call(`/api/assets/${crypto.randomUUID()}`, { token: user.accessToken }),
      noRoute: await call('/api/no-such-thing'),
      badBody: await call('/api/auth/login', { body: 'not json', headers: { 'content-type': 'text/plain' } }),
      companion: await call('/s3/params?filename=a.jpg&type=image/jpeg'),
      status: await call('/status', { token: user.accessToken }),
    };
    const statuses = Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, r.status]));
    expect(statuses).toEqual({
      orgs: 200,
      me: 200,
      anonymous: 401,
      invalid: 400,
      missing: 404,
      noRoute: 404,
      badBody: 415,
      companion: 401,
      status: 400,
    });
    for (const [name, res] of Object.entries(answers)) expect(res.headers.get('cache-control'), name).toBe(NO_STORE);
  });

  it('keeps a policy a handler chose', async () => {
    const doc = await call('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.headers.get('cache-control')).toBe('public, max-age=300');
  });
});

describe('audit rows carry the request that wrote them', () => {
  it('records the request id and client address given to the writer', async () => {
    const ip = uniqueIp();
    const requestId = `audit-ctx-${crypto.randomUUID()}`;
    const res = await call('/api/auth/register', {
      ip,
      headers: { 'x-request-id': requestId },
      json: { email: `ctx-${crypto.randomUUID()}@example.test`, password: 'correct horse battery staple', name: 'Ctx' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const { user } = (await res.json()) as { user: { id: string } };
    const rows = await withDb((db) =>
      db
        .select({ requestId: auditLog.requestId, ip: auditLog.ip, resourceId: auditLog.resourceId })
        .from(auditLog)
        .where(and(eq(auditLog.actorId, user.id), eq(auditLog.action, 'auth.register')))
        .orderBy(desc(auditLog.id)),
    );
    expect(rows).toEqual([{ requestId, ip, resourceId: user.id }]);
  });
});
