/**
 * The edge's forward to the API Worker (edge/platform/region-forward.ts) at
 * the binding's edge: the real app in workerd with an `API` binding that is
 * a stand-in for the other Worker (a function: what a Worker cannot run
 * here is a second Worker behind the binding; test/node/api-placement.test.ts
 * runs the real one). Checks what the API Worker is handed and how its
 * failures come back.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../edge/app.ts';

type Seen = { url: string; method: string; headers: Headers; body: string | null };

function withApi(answer: (req: Request) => Promise<Response> | Response) {
  const seen: Seen[] = [];
  const API = {
    async fetch(req: Request): Promise<Response> {
      seen.push({ url: req.url, method: req.method, headers: new Headers(req.headers), body: req.body ? await req.clone().text() : null });
      return answer(req);
    },
  };
  return { seen, env: { ...env, API } };
}

const app = createApp();

describe('what the edge forwards, and what it keeps', () => {
  it('forwards /api, /s3, /s, /status and Bearer /m; keeps /healthz, the JWKS, anonymous and signed /m, the SPA', async () => {
    const { seen, env: e } = withApi(() => Response.json({ ok: true }));
    const forwarded = ['/api/me', '/s3/params', '/s/tok/w320.webp', '/status'];
    for (const p of forwarded) await app.request(p, {}, e);
    await app.request('/m/00000000-0000-4000-8000-000000000000/w320.webp', { headers: { authorization: 'Bearer x' } }, e);
    await app.request('/m/00000000-0000-4000-8000-000000000000/w320.webp', { headers: { 'x-api-key': 'k' } }, e);
    expect(seen.map((s) => new URL(s.url).pathname)).toEqual([
      ...forwarded,
      ...Array(2).fill('/m/00000000-0000-4000-8000-000000000000/w320.webp'),
    ]);
    const before = seen.length;
    await app.request('/healthz', {}, e);
    await app.request('/.well-known/jwks.json', {}, e);
    await app.request('/m/00000000-0000-4000-8000-000000000000/w320.webp?t=abc', { headers: { authorization: 'Bearer x' } }, e);
    await app.request('/library', {}, e);
    expect(seen.length).toBe(before);
  });

  it('hands on the edge request id and the client address the edge believed; method, URL and body unchanged', async () => {
    const { seen, env: e } = withApi(() => new Response(null, { status: 204 }));
    const res = await app.request(
      '/api/assets/x?a=1',
      {
        method: 'PATCH',
        headers: { 'cf-connecting-ip': ' 203.0.113.9 ', 'x-request-id': 'bad id with spaces', 'content-type': 'application/json' },
        body: '{"title":"t"}',
      },
      e,
    );
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [got] = seen;
    expect(got).toMatchObject({ method: 'PATCH', body: '{"title":"t"}' });
    expect(new URL(got!.url).pathname + new URL(got!.url).search).toBe('/api/assets/x?a=1');
    expect(got!.headers.get('x-request-id')).toBe(id);
    expect(got!.headers.get('cf-connecting-ip')).toBe('203.0.113.9');
    // An address the edge does not believe (over 64 characters) is not handed on.
    await app.request('/api/me', { headers: { 'cf-connecting-ip': '1'.repeat(65) } }, e);
    expect(seen[1]!.headers.has('cf-connecting-ip')).toBe(false);
  });

  it('passes the answer through: status, headers, cookies and a streamed body', async () => {
    const { env: e } = withApi(() => {
      const body = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('part one,'));
          c.enqueue(new TextEncoder().encode('part two'));
          c.close();
        },
      });
      const h = new Headers({ 'content-type': 'application/zip', 'content-range': 'bytes 0-16/100' });
      h.append('set-cookie', 'a=1; Path=/');
      h.append('set-cookie', 'b=2; Path=/');
      return new Response(body, { status: 206, headers: h });
    });
    const res = await app.request('/s/tok/download.zip', {}, e);
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 0-16/100');
    expect(res.headers.get('set-cookie')).toBe('a=1; Path=/, b=2; Path=/');
    expect(await res.text()).toBe('part one,part two');
  });

  it('a binding that throws, or a runtime error page, is the JSON 503 with Retry-After and the request id', async () => {
    for (const answer of [
      () => Promise.reject(new Error('Worker threw exception')),
      () => new Response('<html>Error 1101</html>', { status: 500, headers: { 'content-type': 'text/html' } }),
    ]) {
      const { env: e } = withApi(answer);
      const res = await app.request('/api/me', { headers: { 'x-request-id': 'trace-forward-0503' } }, e);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await res.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String), requestId: 'trace-forward-0503' } });
    }
    // The API Worker's own JSON errors pass as they are.
    const { env: e } = withApi(() =>
      Response.json({ error: { code: 'internal', message: 'Internal error.', requestId: 'r' } }, { status: 500 }),
    );
    const res = await app.request('/api/me', {}, e);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: 'internal' } });
  });
});
