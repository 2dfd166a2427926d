/**
 * What the upload endpoints refuse before anything is created: every body
 * field (400 validation_failed naming the field, never echoing the value),
 * malformed JSON (400), a non-JSON body (415), and a missing or bad token
 * (401, checked before the body is read).
 */
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assets } from '../../shared/db/schema.ts';
import { createUser, withDb } from './support/fixtures.ts';
import { abortUpload, api, MiB, startMultipart } from './support/uploads.ts';

let user: string;
beforeAll(async () => {
  user = await withDb((db) => createUser(db, 'validator'));
});

const valid = { filename: 'photo.jpg', size: 1234, contentType: 'image/jpeg' };

interface Refusal {
  error: { code: string; message: string; details?: { fields: { field: string; code: string; message: string }[] } };
}

async function refused(res: Response, status: number, code: string): Promise<Refusal> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  const body = JSON.parse(text) as Refusal;
  expect(body.error.code).toBe(code);
  return body;
}

const assetCount = () =>
  withDb(async (db) => (await db.select({ n: sql<number>`count(*)::int` }).from(assets).where(eq(assets.ownerId, user)))[0]!.n);

describe('POST /api/uploads validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['filename missing', { ...valid, filename: undefined }, 'filename'],
    ['filename empty', { ...valid, filename: '' }, 'filename'],
    ['filename of 256 characters', { ...valid, filename: 'é'.repeat(256) }, 'filename'],
    ['filename with a C0 control', { ...valid, filename: 'a\u0007b.jpg' }, 'filename'],
    ['filename with a newline', { ...valid, filename: 'a\nb.jpg' }, 'filename'],
    ['filename with a C1 control', { ...valid, filename: 'a\u0085b.jpg' }, 'filename'],
    ['filename with a lone surrogate', { ...valid, filename: 'a\ud800b.jpg' }, 'filename'],
    ['filename not a string', { ...valid, filename: 42 }, 'filename'],
    ['size missing', { ...valid, size: undefined }, 'size'],
    ['size zero', { ...valid, size: 0 }, 'size'],
    ['size negative', { ...valid, size: -1 }, 'size'],
    ['size fractional', { ...valid, size: 1.5 }, 'size'],
    ['size as a string', { ...valid, size: '1234' }, 'size'],
    ['size over 5 GiB', { ...valid, size: 5 * 1024 * MiB + 1 }, 'size'],
    ['contentType missing', { ...valid, contentType: undefined }, 'contentType'],
    ['contentType without a subtype', { ...valid, contentType: 'image' }, 'contentType'],
    ['contentType with parameters', { ...valid, contentType: 'text/plain; charset=utf-8' }, 'contentType'],
    ['contentType with a space', { ...valid, contentType: 'image/ jpeg' }, 'contentType'],
    ['contentType too long', { ...valid, contentType: `a/${'b'.repeat(300)}` }, 'contentType'],
    ['sha256 too short', { ...valid, sha256: 'a'.repeat(63) }, 'sha256'],
    ['sha256 not hex', { ...valid, sha256: 'z'.repeat(64) }, 'sha256'],
    ['sha256 base64', { ...valid, sha256: btoa('x'.repeat(32)) }, 'sha256'],
    ['collectionId not a uuid', { ...valid, collectionId: 'album-1' }, 'collectionId'],
    ['dedup not a boolean', { ...valid, dedup: 'yes' }, 'dedup'],
    ['an unknown field', { ...valid, key: 'elsewhere/original' }, 'key'],
  ];

  it.each(cases)('%s → 400 validation_failed naming the field', async (_name, body, field) => {
    const res = await api('/api/uploads', user, { json: body });
    const { error } = await refused(res, 400, 'validation_failed');
    expect(error.details!.fields.map((f) => f.field)).toContain(field);
    expect(JSON.stringify(error)).not.toContain('elsewhere');
  });

  it('creates nothing for any refused body', async () => {
    const before = await assetCount();
    for (const [, body] of cases) await api('/api/uploads', user, { json: body });
    expect(await assetCount()).toBe(before);
  });

  it('accepts the limits themselves: 255 characters, 1 byte, 5 GiB is multipart-sized (413), a vendor type', async () => {
    const ok = await api('/api/uploads', user, {
      json: { ...valid, filename: '😀'.repeat(255), size: 1, contentType: 'application/vnd.ms-excel.sheet.macroEnabled.12' },
    });
    expect(ok.status, await ok.text()).toBe(201);
    await refused(await api('/api/uploads', user, { json: { ...valid, size: 5 * 1024 * MiB } }), 413, 'payload_too_large');
  });

  it('a body that is not an object, malformed JSON, or not JSON at all', async () => {
    await refused(await api('/api/uploads', user, { json: [valid] }), 400, 'validation_failed');
    await refused(
      await api('/api/uploads', user, { body: '{"filename": "a.jpg",', headers: { 'content-type': 'application/json' } }),
      400,
      'bad_request',
    );
    await refused(await api('/api/uploads', user, { body: '', headers: { 'content-type': 'application/json' } }), 400, 'bad_request');
    await refused(
      await api('/api/uploads', user, { body: JSON.stringify(valid), headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
    await refused(
      await api('/api/uploads', user, { body: 'x'.repeat(20_000), headers: { 'content-type': 'application/json' } }),
      413,
      'payload_too_large',
    );
  });

  it('needs a valid access token, checked before the body (401 with WWW-Authenticate)', async () => {
    const anonymous = await api('/api/uploads', undefined, { json: valid });
    await refused(anonymous, 401, 'unauthorized');
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await refused(
      await api('/api/uploads', undefined, { json: valid, headers: { authorization: 'Bearer not.a.token' } }),
      401,
      'unauthorized',
    );
    await refused(
      await api('/api/uploads', undefined, { body: '{', headers: { 'content-type': 'application/json' } }),
      401,
      'unauthorized',
    );
  });
});

describe('POST /s3/multipart validation', () => {
  const body = { filename: 'movie.mp4', type: 'video/mp4', metadata: { size: 200 * MiB, name: 'movie.mp4', relativePath: null } };
  const cases: [string, Record<string, unknown>, string][] = [
    ['no metadata', { ...body, metadata: undefined }, 'metadata'],
    ['no size in metadata', { ...body, metadata: { name: 'x' } }, 'metadata.size'],
    ['size zero', { ...body, metadata: { size: 0 } }, 'metadata.size'],
    ['size not a number', { ...body, metadata: { size: 'big' } }, 'metadata.size'],
    ['size over 5 GiB', { ...body, metadata: { size: 5 * 1024 * MiB + 1 } }, 'metadata.size'],
    ['a bad sha256', { ...body, metadata: { size: 10, sha256: 'nope' } }, 'metadata.sha256'],
    ['a bad type', { ...body, type: 'video' }, 'type'],
    ['a bad filename', { ...body, filename: 'a\u0000b' }, 'filename'],
    ['an unknown top-level field', { ...body, bucket: 'derivatives' }, 'bucket'],
  ];

  it.each(cases)('%s → 400 validation_failed naming the field', async (_name, b, field) => {
    const { error } = await refused(await api('/s3/multipart', user, { json: b }), 400, 'validation_failed');
    expect(error.details!.fields.map((f) => f.field)).toContain(field);
  });

  it('accepts the size as a decimal string (Uppy meta), ignores other meta, and refuses malformed JSON', async () => {
    const res = await api('/s3/multipart', user, { json: { ...body, metadata: { ...body.metadata, size: String(6 * MiB) } } });
    expect(res.status, await res.clone().text()).toBe(200);
    const up = (await res.json()) as Awaited<ReturnType<typeof startMultipart>>;
    expect(up.maxPartNumber).toBe(2);
    await abortUpload(user, up);
    await refused(
      await api('/s3/multipart', user, { body: '{"filename"', headers: { 'content-type': 'application/json' } }),
      400,
      'bad_request',
    );
  });

  it('complete validates its parts list', async () => {
    const up = await startMultipart(user, 6 * MiB);
    const path = `/s3/multipart/${up.uploadId}/complete?key=${up.key}`;
    for (const parts of [[], [{ PartNumber: 0, ETag: 'a' }], [{ PartNumber: 1 }], [{ PartNumber: 1, ETag: '' }], 'all']) {
      const { error } = await refused(await api(path, user, { json: { parts } }), 400, 'validation_failed');
      expect(error.details!.fields[0]!.field).toMatch(/^parts/);
    }
    await refused(await api(path, user, { body: 'parts', headers: { 'content-type': 'application/json' } }), 400, 'bad_request');
    await abortUpload(user, up);
  });
});
