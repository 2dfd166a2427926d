/**
 * One JSON body reader for the whole API, held to its rules on every route
 * that takes a body — each operation of `/api/openapi.json` that declares
 * one (read from the running edge, so new routes are covered) plus the
 * Companion routes under /s3/: invalid UTF-8 is a 400 (never a stored
 * U+FFFD), a NUL or unpaired surrogate in any string is a 400 naming the
 * field, hostile nesting is a 400, no body a 400, another type a 415, and
 * one byte over the route class's limit a 413, declared or streamed.
 */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS } from '../../edge/api/json-body.ts';
import { uniqueIp } from './support/auth.ts';
import { bearer, createAsset, createUser, withDb } from './support/fixtures.ts';
import { loadOperations, type JsonSchema } from './support/fuzz-doc.ts';
import { startMultipart } from './support/uploads.ts';

interface BodyRoute {
  name: string;
  method: string;
  path: string;
  body: JsonSchema;
}

let owner: string;
let auth: Record<string, string>;
let routes: BodyRoute[];

beforeAll(async () => {
  owner = await withDb((db) => createUser(db, 'bodies-owner'));
  auth = await bearer(owner);
  const upload = await startMultipart(owner, 12 * 1024 * 1024);
  // Path parameters get values their own validation accepts, so the body is what each request tests.
  const fill = (path: string) =>
    path
      .replace('{token}', 'not-a-token')
      .replace('{language}', 'en')
      .replace(/\{[^}]+\}/g, () => crypto.randomUUID());
  const documented = (await loadOperations())
    .filter((o) => o.body)
    .map((o) => ({ name: `${o.method} ${o.path}`, method: o.method, path: fill(o.path), body: o.body! }));
  const stringField = { type: 'object', properties: { filename: { type: 'string' } } };
  routes = [
    ...documented,
    { name: 'POST /s3/multipart', method: 'POST', path: '/s3/multipart', body: stringField },
    {
      name: 'POST /s3/multipart/:uploadId/complete',
      method: 'POST',
      path: `/s3/multipart/${upload.uploadId}/complete?key=${encodeURIComponent(upload.key)}`,
      body: { type: 'object', properties: { parts: { type: 'array' } } },
    },
  ];
}, 60_000);

function send(
  r: BodyRoute,
  body: BodyInit | null,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Response> {
  return SELF.fetch(`https://edge.test${r.path}`, {
    method: r.method,
    headers: { 'cf-connecting-ip': uniqueIp(), ...auth, ...headers },
    body,
  });
}

async function errorOf(
  res: Response,
): Promise<{ status: number; code: string; message: string; fields: { field: string; code: string }[] }> {
  const body = (await res.json()) as { error: { code: string; message: string; details?: { fields?: { field: string; code: string }[] } } };
  return { status: res.status, code: body.error.code, message: body.error.message, fields: body.error.details?.fields ?? [] };
}

/** The first string field of a body schema (the one the NUL goes into), or a made-up one. */
const firstString = (s: JsonSchema) =>
  Object.entries(s.properties ?? {}).find(([, v]) => v.type === 'string' || (Array.isArray(v.type) && v.type.includes('string')))?.[0] ??
  'x';

/** Which documented limit a route's class has. */
const limitOf = (r: BodyRoute) =>
  r.path.includes('/subtitles/')
    ? BODY_LIMITS.subtitles
    : r.path.includes('/complete')
      ? BODY_LIMITS.parts
      : /^\/api\/(auth\/|uploads$)|^\/s3\//.test(r.path)
        ? BODY_LIMITS.small
        : BODY_LIMITS.api;

/** Runs `check` on every route and reports every route that failed it at once. */
async function everyRoute(check: (r: BodyRoute) => Promise<string | null>): Promise<void> {
  expect(routes.length).toBeGreaterThan(15);
  const wrong: string[] = [];
  for (const r of routes) {
    const problem = await check(r);
    if (problem) wrong.push(`${r.name}: ${problem}`);
  }
  expect(wrong).toEqual([]);
}

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));

describe('every JSON body goes through the one reader', () => {
  it('invalid UTF-8 is 400 bad_request naming UTF-8 (lone byte, overlong, CESU-8 surrogate, truncated)', async () => {
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      await everyRoute(async (r) => {
        const e = await errorOf(await send(r, bytes(`{"${firstString(r.body)}":"a`, bad, 'b"}')));
        return e.status === 400 && e.code === 'bad_request' && /UTF-8/.test(e.message) ? null : JSON.stringify(e);
      });
    }
  });

  it('a NUL or an unpaired surrogate written as a JSON escape is 400 naming the field', async () => {
    for (const [jsonEscape, code] of [
      ['\\u0000', 'nul'],
      ['\\ud800', 'lone_surrogate'],
      ['\\udfff', 'lone_surrogate'],
    ]) {
      await everyRoute(async (r) => {
        const field = firstString(r.body);
        const e = await errorOf(await send(r, `{"${field}":"a${jsonEscape}b"}`));
        return e.status === 400 && e.code === 'validation_failed' && e.fields.some((f) => f.field === field && f.code === code)
          ? null
          : JSON.stringify(e);
      });
    }
  });

  it('nesting deeper than 32 levels is 400, however it is spelled', async () => {
    await everyRoute(async (r) => {
      const e = await errorOf(await send(r, `{"a":${'['.repeat(40)}${']'.repeat(40)}}`));
      return e.status === 400 && e.code === 'bad_request' ? null : JSON.stringify(e);
    });
  });

  it('no body is 400, another media type 415, malformed JSON 400', async () => {
    await everyRoute(async (r) => {
      const none = await errorOf(await send(r, null, {}));
      const form = await errorOf(await send(r, 'a=1', { 'content-type': 'application/x-www-form-urlencoded' }));
      const broken = await errorOf(await send(r, '{"a":'));
      const ok =
        none.status === 400 &&
        form.status === 415 &&
        form.code === 'unsupported_media_type' &&
        broken.status === 400 &&
        broken.code === 'bad_request';
      return ok ? null : JSON.stringify({ none, form, broken });
    });
  });

  it('one byte over the route class limit is 413, by Content-Length or streamed without one', async () => {
    await everyRoute(async (r) => {
      const max = limitOf(r);
      const over = `{"x":"${'a'.repeat(max)}"}`;
      const declared = await send(r, over);
      const stream = new ReadableStream({
        start(controller) {
          for (let at = 0; at < over.length; at += 8192) controller.enqueue(new TextEncoder().encode(over.slice(at, at + 8192)));
          controller.close();
        },
      });
      const streamed = await send(r, stream);
      return declared.status === 413 && streamed.status === 413
        ? null
        : `declared ${declared.status}, streamed ${streamed.status} (limit ${max})`;
    });
  });

  it('a refused body changes nothing: invalid UTF-8 in a title leaves the title as it was (no U+FFFD stored)', async () => {
    const asset = await withDb((db) => createAsset(db, owner, { title: 'Before' }));
    const res = await SELF.fetch(`https://edge.test/api/assets/${asset}`, {
      method: 'PATCH',
      headers: { 'cf-connecting-ip': uniqueIp(), ...auth, 'content-type': 'application/json' },
      body: bytes('{"title":"caf', [0xe9], '"}'),
    });
    expect(res.status).toBe(400);
    const after = await SELF.fetch(`https://edge.test/api/assets/${asset}`, { headers: { 'cf-connecting-ip': uniqueIp(), ...auth } });
    expect(((await after.json()) as { title: string }).title).toBe('Before');
  });
});
