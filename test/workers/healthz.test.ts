import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp, redact } from '../../edge/app.ts';

interface Health {
  status: string;
  checks: Record<'storage' | 'database', { ok: boolean; latencyMs: number; error?: string }>;
}

describe('GET /healthz in workerd', () => {
  it('reports storage and database reachable', async () => {
    const res = await SELF.fetch('http://edge.test/healthz');
    const body = (await res.json()) as Health;
    expect(body.checks.storage).toMatchObject({ ok: true });
    expect(body.checks.database).toMatchObject({ ok: true });
    expect(res.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 503 with Retry-After and names the failing part when storage is down', async () => {
    const app = createApp();
    // A port nothing listens on: connection refused, as when the S3 server is down.
    const res = await app.request('/healthz', {}, { ...env, S3_ENDPOINT: 'http://127.0.0.1:9' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const body = (await res.json()) as Health;
    expect(body.status).toBe('unavailable');
    expect(body.checks.storage.ok).toBe(false);
    expect(body.checks.storage.error).toBe('unreachable');
    expect(body.checks.database.ok).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/stack|Error:/);
  });

  it('reports a missing bucket by its S3 error code', async () => {
    const app = createApp();
    const res = await app.request('/healthz', {}, { ...env, S3_BUCKET_RAW: 'no-such-bucket' });
    expect(res.status).toBe(503);
    const body = (await res.json()) as Health;
    expect(body.checks.storage).toMatchObject({ ok: false, error: 'NoSuchBucket' });
  });

  it('reports the database down when the relay refuses the connection', async () => {
    const app = createApp();
    const res = await app.request('/healthz', {}, { ...env, DATABASE_WS_PROXY: '127.0.0.1:9/v1' });
    expect(res.status).toBe(503);
    const body = (await res.json()) as Health;
    expect(body.checks.database.ok).toBe(false);
    expect(body.checks.storage.ok).toBe(true);
  });
});

describe('error model', () => {
  it('answers an unknown API route with the JSON error shape and the request id (other paths are the SPA: spa.test.ts)', async () => {
    const res = await SELF.fetch('http://edge.test/api/nope', { headers: { 'x-request-id': 'trace-abc-12345' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('trace-abc-12345');
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: 'No such route.', requestId: 'trace-abc-12345' },
    });
  });

  it('replaces a malformed caller request id instead of echoing it', async () => {
    const res = await SELF.fetch('http://edge.test/api/nope', { headers: { 'x-request-id': 'bad id <script>alert(1)</script>' } });
    const rid = res.headers.get('x-request-id');
    expect(rid).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await res.json()) as { error: { requestId: string } }).error.requestId).toBe(rid);
  });

  it('fails closed with a misconfigured error naming no secret when a binding is bad', async () => {
    const app = createApp();
    const res = await app.request('/healthz', {}, { ...env, S3_ENDPOINT: 'not a url', S3_SECRET_ACCESS_KEY: 'sekrit' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe('misconfigured');
    expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(body)).not.toContain('sekrit');
  });
});

describe('error logging', () => {
  it('never logs query parameters (they may hold password hashes or tokens)', () => {
    const logged = redact('Error: Failed query: select * from users where email = $1\nparams: a@b.test,scrypt$ln=14$salt$hash');
    expect(logged).toContain('params: [redacted]');
    expect(logged).not.toMatch(/scrypt|a@b\.test/);
  });
});
