/**
 * The library routes' refusals: every query parameter and body field with a
 * bad value is a 400 `validation_failed` naming that field (and never
 * echoing the value); malformed JSON 400 `bad_request`; a non-JSON body 415;
 * an oversized body 413; no credential 401; an unknown id 404; state
 * conflicts 409.
 */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueIp } from './support/auth.ts';
import { bearer, createAsset, createUser, uid, withDb } from './support/fixtures.ts';
import { api, expectStatus } from './support/library-world.ts';

let user: string;
let asset: string;
let collection: string;

beforeAll(async () => {
  ({ user, asset } = await withDb(async (db) => {
    const user = await createUser(db, 'errors');
    return { user, asset: await createAsset(db, user) };
  }));
  collection = (await expectStatus(await api('POST', '/api/collections', { as: user, json: { name: 'Errors' } }), 201)).id;
});

type ErrorBody = { error: { code: string; message: string; details?: { fields: { field: string; code: string }[] } } };

async function expectInvalid(res: Response, field: string) {
  const text = await res.text();
  expect(res.status, text).toBe(400);
  const body = JSON.parse(text) as ErrorBody;
  expect(body.error.code).toBe('validation_failed');
  expect(
    body.error.details!.fields.map((f) => f.field),
    text,
  ).toContain(field);
  return body;
}

const long = (n: number) => 'x'.repeat(n);
const otherKindCursor = () => btoa(JSON.stringify(['elsewhere', '2026-01-01 00:00:00+00', uid()])).replace(/=+$/, '');

describe('query parameters', () => {
  const lists = ['/api/assets', '/api/trash', '/api/tags', '/api/collections', '/api/search?q=x', () => `/api/collections/${collection}`];
  const withParam = (base: string, param: string) => `${base}${base.includes('?') ? '&' : '?'}${param}`;

  for (const entry of lists) {
    const name = typeof entry === 'string' ? entry : '/api/collections/:id';
    it(`${name}: limit and cursor`, async () => {
      const base = typeof entry === 'string' ? entry : entry();
      for (const limit of ['0', '101', 'abc', '1.5', '-1', '']) {
        await expectInvalid(await api('GET', withParam(base, `limit=${limit}`), { as: user }), 'limit');
      }
      await expectInvalid(await api('GET', withParam(base, 'limit=1&limit=2'), { as: user }), 'limit');
      for (const cursor of ['not-a-cursor', '%%%', otherKindCursor(), btoa('[]'), long(513)]) {
        await expectInvalid(await api('GET', withParam(base, `cursor=${encodeURIComponent(cursor)}`), { as: user }), 'cursor');
      }
    });
  }

  it('/api/assets: type, status, scope, tag, collectionId', async () => {
    const cases: [string, string][] = [
      ['type=picture', 'type'],
      ['status=done', 'status'],
      ['scope=everyone', 'scope'],
      ['tag=', 'tag'],
      [`tag=${long(65)}`, 'tag'],
      ['collectionId=42', 'collectionId'],
    ];
    for (const [query, field] of cases) await expectInvalid(await api('GET', `/api/assets?${query}`, { as: user }), field);
    // A cursor of another list is refused.
    const trashCursor = btoa(JSON.stringify(['trash', '2026-01-01 00:00:00+00', uid()])).replace(/=+$/, '');
    await expectInvalid(await api('GET', `/api/assets?cursor=${trashCursor}`, { as: user }), 'cursor');
    // Unknown parameters (cache busters) are ignored.
    await expectStatus(await api('GET', '/api/assets?_=123', { as: user }), 200);
  });

  it('/api/collections: scope', async () => {
    await expectInvalid(await api('GET', '/api/collections?scope=nobody', { as: user }), 'scope');
  });

  it('/api/search: q is required, 1-200 characters after trimming', async () => {
    await expectInvalid(await api('GET', '/api/search', { as: user }), 'q');
    for (const q of ['', '   ', long(201)]) await expectInvalid(await api('GET', `/api/search?q=${q}`, { as: user }), 'q');
    await expectStatus(await api('GET', `/api/search?q=${long(200)}`, { as: user }), 200);
  });

  it('path ids must be UUIDs', async () => {
    const calls: [string, string][] = [
      ['GET', '/api/assets/nope'],
      ['PATCH', '/api/assets/nope'],
      ['DELETE', '/api/assets/nope'],
      ['POST', '/api/assets/nope/restore'],
      ['POST', '/api/assets/nope/purge'],
      ['PUT', '/api/assets/nope/tags'],
      ['GET', '/api/collections/nope'],
      ['PATCH', '/api/collections/nope'],
      ['DELETE', '/api/collections/nope'],
      ['POST', '/api/collections/nope/items'],
      ['PUT', '/api/collections/nope/items/order'],
      ['DELETE', `/api/collections/${collection}/items/nope`],
    ];
    for (const [method, path] of calls) {
      const res = await api(method, path, { as: user });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(((await res.json()) as ErrorBody).error.code).toBe('validation_failed');
    }
  });
});

describe('bodies', () => {
  const cases: { name: string; method: string; path: () => string; json: unknown; field: string }[] = [
    // PATCH /api/assets/:id
    { name: 'asset patch: nothing to change', method: 'PATCH', path: () => `/api/assets/${asset}`, json: {}, field: '(body)' },
    { name: 'asset patch: unknown field', method: 'PATCH', path: () => `/api/assets/${asset}`, json: { owner: 'me' }, field: 'owner' },
    { name: 'asset patch: title type', method: 'PATCH', path: () => `/api/assets/${asset}`, json: { title: 5 }, field: 'title' },
    { name: 'asset patch: title length', method: 'PATCH', path: () => `/api/assets/${asset}`, json: { title: long(201) }, field: 'title' },
    { name: 'asset patch: title control', method: 'PATCH', path: () => `/api/assets/${asset}`, json: { title: 'a\nb' }, field: 'title' },
    {
      name: 'asset patch: description length',
      method: 'PATCH',
      path: () => `/api/assets/${asset}`,
      json: { description: long(5001) },
      field: 'description',
    },
    {
      name: 'asset patch: description control',
      method: 'PATCH',
      path: () => `/api/assets/${asset}`,
      json: { description: 'a\u0007b' },
      field: 'description',
    },
    {
      name: 'asset patch: visibility',
      method: 'PATCH',
      path: () => `/api/assets/${asset}`,
      json: { visibility: 'secret' },
      field: 'visibility',
    },
    // PUT /api/assets/:id/tags
    { name: 'tags: missing', method: 'PUT', path: () => `/api/assets/${asset}/tags`, json: {}, field: 'tags' },
    { name: 'tags: not a list', method: 'PUT', path: () => `/api/assets/${asset}/tags`, json: { tags: 'a,b' }, field: 'tags' },
    {
      name: 'tags: more than 50',
      method: 'PUT',
      path: () => `/api/assets/${asset}/tags`,
      json: { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) },
      field: 'tags',
    },
    { name: 'tags: empty name', method: 'PUT', path: () => `/api/assets/${asset}/tags`, json: { tags: ['ok', '  '] }, field: 'tags.1' },
    { name: 'tags: 65 characters', method: 'PUT', path: () => `/api/assets/${asset}/tags`, json: { tags: [long(65)] }, field: 'tags.0' },
    { name: 'tags: control character', method: 'PUT', path: () => `/api/assets/${asset}/tags`, json: { tags: ['a\tb'] }, field: 'tags.0' },
    { name: 'tags: not a string', method: 'PUT', path: () => `/api/assets/${asset}/tags`, json: { tags: [1] }, field: 'tags.0' },
    {
      name: 'tags: unknown field',
      method: 'PUT',
      path: () => `/api/assets/${asset}/tags`,
      json: { tags: [], replace: true },
      field: 'replace',
    },
    // POST /api/collections
    { name: 'collection: name missing', method: 'POST', path: () => '/api/collections', json: {}, field: 'name' },
    { name: 'collection: name blank', method: 'POST', path: () => '/api/collections', json: { name: '   ' }, field: 'name' },
    { name: 'collection: name length', method: 'POST', path: () => '/api/collections', json: { name: long(201) }, field: 'name' },
    { name: 'collection: name control', method: 'POST', path: () => '/api/collections', json: { name: 'a\u0000' }, field: 'name' },
    {
      name: 'collection: description',
      method: 'POST',
      path: () => '/api/collections',
      json: { name: 'n', description: long(5001) },
      field: 'description',
    },
    {
      name: 'collection: visibility',
      method: 'POST',
      path: () => '/api/collections',
      json: { name: 'n', visibility: 'shared' },
      field: 'visibility',
    },
    {
      name: 'collection: unknown field',
      method: 'POST',
      path: () => '/api/collections',
      json: { name: 'n', ownerId: uid() },
      field: 'ownerId',
    },
    // PATCH /api/collections/:id
    { name: 'collection patch: nothing', method: 'PATCH', path: () => `/api/collections/${collection}`, json: {}, field: '(body)' },
    {
      name: 'collection patch: blank name',
      method: 'PATCH',
      path: () => `/api/collections/${collection}`,
      json: { name: '' },
      field: 'name',
    },
    {
      name: 'collection patch: description type',
      method: 'PATCH',
      path: () => `/api/collections/${collection}`,
      json: { description: 1 },
      field: 'description',
    },
    {
      name: 'collection patch: visibility',
      method: 'PATCH',
      path: () => `/api/collections/${collection}`,
      json: { visibility: 1 },
      field: 'visibility',
    },
    {
      name: 'collection patch: unknown',
      method: 'PATCH',
      path: () => `/api/collections/${collection}`,
      json: { items: [] },
      field: 'items',
    },
    // POST /api/collections/:id/items
    { name: 'item: assetId missing', method: 'POST', path: () => `/api/collections/${collection}/items`, json: {}, field: 'assetId' },
    {
      name: 'item: assetId not a uuid',
      method: 'POST',
      path: () => `/api/collections/${collection}/items`,
      json: { assetId: 'x' },
      field: 'assetId',
    },
    {
      name: 'item: position negative',
      method: 'POST',
      path: () => `/api/collections/${collection}/items`,
      json: { assetId: asset, position: -1 },
      field: 'position',
    },
    {
      name: 'item: position fraction',
      method: 'POST',
      path: () => `/api/collections/${collection}/items`,
      json: { assetId: asset, position: 1.5 },
      field: 'position',
    },
    {
      name: 'item: position too big',
      method: 'POST',
      path: () => `/api/collections/${collection}/items`,
      json: { assetId: asset, position: 1001 },
      field: 'position',
    },
    {
      name: 'item: position string',
      method: 'POST',
      path: () => `/api/collections/${collection}/items`,
      json: { assetId: asset, position: '1' },
      field: 'position',
    },
    {
      name: 'item: unknown',
      method: 'POST',
      path: () => `/api/collections/${collection}/items`,
      json: { assetId: asset, note: 'x' },
      field: 'note',
    },
    // PUT /api/collections/:id/items/order
    { name: 'order: missing', method: 'PUT', path: () => `/api/collections/${collection}/items/order`, json: {}, field: 'assetIds' },
    {
      name: 'order: not a list',
      method: 'PUT',
      path: () => `/api/collections/${collection}/items/order`,
      json: { assetIds: asset },
      field: 'assetIds',
    },
    {
      name: 'order: bad id',
      method: 'PUT',
      path: () => `/api/collections/${collection}/items/order`,
      json: { assetIds: [asset, 'x'] },
      field: 'assetIds.1',
    },
    {
      name: 'order: too many',
      method: 'PUT',
      path: () => `/api/collections/${collection}/items/order`,
      json: { assetIds: Array.from({ length: 1001 }, uid) },
      field: 'assetIds',
    },
    {
      name: 'order: unknown',
      method: 'PUT',
      path: () => `/api/collections/${collection}/items/order`,
      json: { assetIds: [], move: 1 },
      field: 'move',
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const body = await expectInvalid(await api(c.method, c.path(), { as: user, json: c.json }), c.field);
      // Values are never echoed back.
      if (typeof c.json === 'object' && c.json && 'title' in c.json && typeof c.json.title === 'string') {
        expect(JSON.stringify(body)).not.toContain(c.json.title);
      }
    });
  }

  it('malformed JSON is 400 bad_request, another content type 415, more than 64 KiB 413', async () => {
    const bad = await rawCall('{"title": ', 'application/json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.code).toBe('bad_request');
    expect((await rawCall('title=x', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await rawCall(JSON.stringify({ description: long(70 * 1024) }), 'application/json')).status).toBe(413);
  });
});

async function rawCall(body: string, contentType: string): Promise<Response> {
  return SELF.fetch(`https://edge.test/api/assets/${asset}`, {
    method: 'PATCH',
    headers: { ...(await bearer(user)), 'content-type': contentType, 'cf-connecting-ip': uniqueIp() },
    body,
  });
}

describe('credentials, unknown ids, conflicts', () => {
  it('every library route but the public reads needs a credential', async () => {
    const calls: [string, string][] = [
      ['GET', '/api/assets'],
      ['PATCH', `/api/assets/${asset}`],
      ['DELETE', `/api/assets/${asset}`],
      ['POST', `/api/assets/${asset}/restore`],
      ['POST', `/api/assets/${asset}/purge`],
      ['PUT', `/api/assets/${asset}/tags`],
      ['GET', '/api/trash'],
      ['GET', '/api/tags'],
      ['GET', '/api/search?q=x'],
      ['GET', '/api/collections'],
      ['POST', '/api/collections'],
      ['PATCH', `/api/collections/${collection}`],
      ['DELETE', `/api/collections/${collection}`],
      ['POST', `/api/collections/${collection}/items`],
      ['DELETE', `/api/collections/${collection}/items/${asset}`],
      ['PUT', `/api/collections/${collection}/items/order`],
    ];
    for (const [method, path] of calls) {
      const res = await api(method, path);
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    // The public reads answer 404 to an anonymous caller for a private resource.
    expect((await api('GET', `/api/assets/${asset}`)).status).toBe(404);
    expect((await api('GET', `/api/collections/${collection}`)).status).toBe(404);
  });

  it('unknown ids are 404', async () => {
    const none = uid();
    for (const [method, path, json] of [
      ['GET', `/api/assets/${none}`],
      ['PATCH', `/api/assets/${none}`, { title: 'x' }],
      ['DELETE', `/api/assets/${none}`],
      ['POST', `/api/assets/${none}/restore`],
      ['POST', `/api/assets/${none}/purge`],
      ['PUT', `/api/assets/${none}/tags`, { tags: [] }],
      ['GET', `/api/collections/${none}`],
      ['PATCH', `/api/collections/${none}`, { name: 'x' }],
      ['DELETE', `/api/collections/${none}`],
      ['POST', `/api/collections/${none}/items`, { assetId: asset }],
      ['POST', `/api/collections/${collection}/items`, { assetId: none }],
      ['DELETE', `/api/collections/${collection}/items/${none}`],
      ['PUT', `/api/collections/${none}/items/order`, { assetIds: [] }],
      ['GET', `/api/assets?collectionId=${none}`],
    ] as [string, string, unknown?][]) {
      const res = await api(method, path, { as: user, ...(json === undefined ? {} : { json }) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(((await res.json()) as ErrorBody).error.code).toBe('not_found');
    }
  });

  it('conflicts: tagging, editing or collecting a trashed asset; restoring or purging a live one', async () => {
    const trashed = await withDb((db) => createAsset(db, user, { deletedAt: new Date(), purgeAfter: new Date(Date.now() + 86_400_000) }));
    for (const [method, path, json] of [
      ['PATCH', `/api/assets/${trashed}`, { title: 'x' }],
      ['PUT', `/api/assets/${trashed}/tags`, { tags: ['x'] }],
      ['POST', `/api/collections/${collection}/items`, { assetId: trashed }],
      ['POST', `/api/assets/${asset}/restore`],
      ['POST', `/api/assets/${asset}/purge`],
    ] as [string, string, unknown?][]) {
      const res = await api(method, path, { as: user, ...(json === undefined ? {} : { json }) });
      expect(res.status, `${method} ${path}`).toBe(409);
      expect(((await res.json()) as ErrorBody).error.code).toBe('conflict');
    }
  });
});
