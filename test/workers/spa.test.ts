/**
 * The SPA's HTML shell through the Worker with the real ASSETS binding
 * (wrangler.toml [assets] → dist/web, built by `npm run build:web` before the
 * tests): app paths get index.html with the shell's CSP; server paths keep
 * the JSON error model.
 */
import { SELF } from 'cloudflare:test';
import { describe, expect, test } from 'vitest';

describe('SPA shell', () => {
  test.each(['/', '/assets/2f1c7a52-0d5e-4a8e-9a43-5b6f3d0e9c11', '/share/some.token', '/collections'])(
    'GET %s is the app shell',
    async (path) => {
      const res = await SELF.fetch(`https://edge.test${path}`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const html = await res.text();
      expect(html).toMatch(/<script type="module" src="\/static\/app-[\w-]+\.js">/);
    },
  );

  test('HEAD of an app path has the headers and no body', async () => {
    const res = await SELF.fetch('https://edge.test/trash', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await res.text()).toBe('');
  });

  test.each(['/api/nope', '/m/not-a-uuid', '/s3/nope', '/.well-known/nope'])('GET %s stays a JSON 404', async (path) => {
    const res = await SELF.fetch(`https://edge.test${path}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe('not_found');
    expect(body.error.requestId).toBeTruthy();
  });

  test('a POST to an app path is not the shell', async () => {
    const res = await SELF.fetch('https://edge.test/collections', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/json/);
  });
});
