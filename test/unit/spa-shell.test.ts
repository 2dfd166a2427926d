/** The rules of the SPA shell (edge/platform/spa.routes.ts) that need no Worker. */
import { describe, expect, test } from 'vitest';
import { isAppPath, shellCsp, storageOrigins } from '../../edge/platform/spa.routes.ts';

describe('isAppPath', () => {
  test.each(['/', '/assets/0b6c', '/collections', '/share/abc.def', '/search', '/login', '/mine', '/status-page', '/apis'])(
    '%s is the app',
    (p) => {
      expect(isAppPath(p)).toBe(true);
    },
  );
  test.each([
    '/api',
    '/api/nope',
    '/s3/multipart',
    '/m/x/original',
    '/s/tok/',
    '/s',
    '/static/app.js',
    '/.well-known/jwks.json',
    '/status',
    '/healthz',
  ])('%s belongs to the server', (p) => {
    expect(isAppPath(p)).toBe(false);
  });
});

test('connect-src names the storage endpoint browsers upload to', () => {
  expect(storageOrigins('http://127.0.0.1:9000', true)).toEqual(['http://127.0.0.1:9000']);
  // Virtual-hosted buckets: presigned URLs go to <bucket>.<endpoint host>.
  expect(storageOrigins('https://s3.eu-central-1.amazonaws.com', false)).toEqual(['https://*.s3.eu-central-1.amazonaws.com']);
  const csp = shellCsp(['https://*.s3.eu-central-1.amazonaws.com']);
  expect(csp).toContain("connect-src 'self' https://*.s3.eu-central-1.amazonaws.com");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/script-src[^;]*unsafe/);
  expect(csp).toContain("frame-ancestors 'none'");
});
