/**
 * One way to write an API route: every route the edge answers under /api is
 * a createRoute definition on the one router, so it is in the OpenAPI
 * document with the schemas that validate it. A plain Hono route added under
 * /api (undocumented, validated by hand, untyped in the SPA) fails here.
 */
import { expect, test } from 'vitest';
import { OPENAPI_INFO } from '../../edge/api/docs.ts';
import { createApp } from '../../edge/app.ts';

/**
 * The only /api routes outside the document: the document itself, its reader
 * page, and a 405 kept for old clients of a removed operation (documenting it
 * would advertise an operation that does not exist).
 */
const OUTSIDE_DOCUMENT = new Set(['GET /api/openapi.json', 'GET /api/docs', 'POST /api/orgs/{id}/members']);

const toDocPath = (path: string) => path.replace(/:([A-Za-z_]\w*)(\{[^}]*\})?/g, '{$1}');

test('every /api route the app registers is in /api/openapi.json', () => {
  const app = createApp();
  const doc = app.getOpenAPI31Document(OPENAPI_INFO);
  const documented = new Set(
    Object.entries(doc.paths ?? {}).flatMap(([path, item]) => Object.keys(item as object).map((m) => `${m.toUpperCase()} ${path}`)),
  );
  const registered = app.routes
    .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/'))
    .map((r) => `${r.method} ${toDocPath(r.path)}`)
    .filter((route) => !OUTSIDE_DOCUMENT.has(route));
  const undocumented = [...new Set(registered)].filter((route) => !documented.has(route));
  expect(undocumented).toEqual([]);
  // The routes that used to be plain Hono are among them.
  for (const route of ['POST /api/auth/login', 'POST /api/auth/refresh', 'POST /api/auth/password', 'GET /api/me', 'POST /api/uploads']) {
    expect(registered).toContain(route);
    expect(documented).toContain(route);
  }
});
