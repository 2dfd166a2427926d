/**
 * The SPA's API types are generated from the edge's OpenAPI document; a
 * route or schema change without `npm run gen:api` fails here instead of
 * drifting silently.
 */
import { readFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { generate, generatedFile } from '../../web/gen-api.ts';

test('web/src/api/schema.gen.ts matches the OpenAPI document (run `npm run gen:api`)', async () => {
  const committed = await readFile(generatedFile, 'utf8');
  const fresh = generate();
  expect(fresh).toContain('"GET /api/assets/{id}"');
  expect(committed).toBe(fresh);
});

test('nullable and optional fields survive the generation', () => {
  const out = generate();
  // A nullable registered schema, an optional query parameter and a 204 response.
  expect(out).toMatch(/thumbnail: Schemas\["MediaUrl"\] \| null;/);
  expect(out).toMatch(/"GET \/api\/assets": \{\n\s+path: never;\n\s+query: \{ cursor\?: string;/);
  expect(out).toMatch(/"DELETE \/api\/assets\/\{id\}": \{\n(?:.*\n){3}\s+response: void;/);
});

test('auth and upload routes are described from their request schemas', () => {
  const out = generate();
  expect(out).toMatch(/"POST \/api\/auth\/login": \{\n(?:.*\n){2}\s+body: \{\n\s+email: string;\n\s+password: string;/);
  expect(out).toMatch(/"POST \/api\/auth\/refresh": \{\n(?:.*\n){3}\s+response: Schemas\["Session"\];/);
  expect(out).toMatch(/"POST \/api\/uploads": \{\n(?:.*\n){2}\s+body: \{\n\s+filename: string;/);
  expect(out).toMatch(/response: Schemas\["UploadDeduplicated"\] \| Schemas\["UploadStarted"\];/);
});
