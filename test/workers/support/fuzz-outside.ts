/**
 * The routes outside `/api/openapi.json`, described as operations the same
 * request generators fuzz: Uppy's Companion-style upload protocol under
 * `/s3/*`, `GET /status?key=`, and media delivery (`/m/:assetId/:variant`,
 * `/s/:token/...`, GET and HEAD) with Range, If-Range, If-None-Match and
 * If-Modified-Since headers.
 */
import type { JsonSchema, Operation, Param } from './fuzz-doc.ts';
import type { SeededWorld } from './fuzz-world.ts';

const str = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
const oneOf = (...values: unknown[]): JsonSchema => ({ enum: values });
const query = (name: string, schema: JsonSchema, required = false): Param => ({ name, in: 'query', required, schema });
const path = (name: string, schema: JsonSchema): Param => ({ name, in: 'path', required: true, schema });
const header = (name: string, schema: JsonSchema): Param => ({ name, in: 'header', required: false, schema });

const VARIANTS = [
  'original',
  'w150.webp',
  'w320.webp',
  'w320.jpg',
  'w1024.jpg',
  'poster.jpg',
  'preview.jpg',
  'preview.mp4',
  'hls/master.m3u8',
  'hls/master_360p.m3u8',
  'progressive.mp4',
  'storyboard.vtt',
  'waveform.png',
  'icon.png',
  'nope',
  'w320.webp/../original',
  '..',
];

const conditional = (etags: string[]): Param[] => [
  header('range', oneOf('bytes=0-0', 'bytes=0-99', 'bytes=-5', 'bytes=5-', 'bytes=0-1,3-4', 'bytes=1000000-', 'bytes=0-0,0-0')),
  header('if-range', oneOf(...etags, 'Wed, 21 Oct 2015 07:28:00 GMT', 'Thu, 01 Jan 2099 00:00:00 GMT')),
  header('if-none-match', oneOf(...etags, '*', 'W/"x"', '"a", "b"')),
  header('if-modified-since', oneOf('Wed, 21 Oct 2015 07:28:00 GMT', 'Thu, 01 Jan 2099 00:00:00 GMT', 'not a date')),
];

const uploadBody: JsonSchema = {
  type: 'object',
  properties: {
    filename: str({ minLength: 1, maxLength: 255 }),
    type: oneOf('image/jpeg', 'application/octet-stream', 'video/mp4'),
    metadata: {
      type: 'object',
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 6 * 1024 ** 3 },
        sha256: str({ pattern: '^[0-9a-f]{64}$' }),
        collectionId: str({ format: 'uuid' }),
      },
      required: ['size'],
    },
  },
  required: ['filename', 'type', 'metadata'],
};

export function outsideOperations(world: SeededWorld): Operation[] {
  const op = (method: string, p: string, params: Param[], body?: JsonSchema, anonymous = false): Operation => ({
    method,
    path: p,
    params,
    anonymous,
    ...(body ? { body } : {}),
  });
  const uploadId = path('uploadId', oneOf(world.upload.uploadId, 'x', 'not/an/id'));
  const key = query('key', oneOf(world.upload.key, `${world.assetIds[0]}/original`, 'x'), true);
  const statusKey = query('key', oneOf(...world.byKind.assets!.map((id) => `${id}/original`), `${world.upload.assetId}/original`), true);
  const assetId = path('assetId', str({ format: 'uuid' }));
  const variant = path('variant', oneOf(...VARIANTS));
  const token = path('token', str());
  const media = [
    query('t', oneOf(...world.mediaUrls.map((m) => m.token), 'x')),
    query('download', oneOf('1', '0', 'true')),
    ...conditional(['"x"', 'W/"x"']),
  ];
  const share = [
    query('u', str({ maxLength: 60 })),
    query('download', oneOf('1', '0')),
    header('x-share-unlock', str({ maxLength: 40 })),
    ...conditional(['"x"']),
  ];
  return [
    op('GET', '/s3/params', [
      query('filename', str({ minLength: 1, maxLength: 255 }), true),
      query('type', oneOf('image/jpeg', 'application/octet-stream'), true),
      query('metadata[size]', { type: 'integer', minimum: 1, maximum: 200 * 1024 * 1024 }, true),
      query('metadata[sha256]', str({ pattern: '^[0-9a-f]{64}$' })),
      query('metadata[collectionId]', str({ format: 'uuid' })),
    ]),
    op('POST', '/s3/multipart', [], uploadBody),
    op('GET', '/s3/multipart/{uploadId}/{partNumber}', [
      uploadId,
      path('partNumber', { type: 'integer', minimum: 0, maximum: 10_001 }),
      key,
    ]),
    op('GET', '/s3/multipart/{uploadId}', [uploadId, key]),
    op('POST', '/s3/multipart/{uploadId}/complete', [uploadId, key], {
      type: 'object',
      properties: {
        parts: {
          type: 'array',
          items: {
            type: 'object',
            properties: { PartNumber: { type: 'integer', minimum: 1, maximum: 3 }, ETag: str({ maxLength: 40 }) },
            required: ['PartNumber', 'ETag'],
          },
        },
      },
      required: ['parts'],
    }),
    op('GET', '/status', [statusKey], undefined, true),
    op('GET', '/m/{assetId}/{variant}', [assetId, variant, ...media], undefined, true),
    op('HEAD', '/m/{assetId}/{variant}', [assetId, variant, ...media], undefined, true),
    op('GET', '/s/{token}/{variant}', [token, variant, ...share], undefined, true),
    op('HEAD', '/s/{token}/{variant}', [token, variant, ...share], undefined, true),
    op('GET', '/s/{token}/{assetId}/{variant}', [token, assetId, variant, ...share], undefined, true),
    // The URLs the API signed, as a player asks for them: the token right, Range and conditionals fuzzed.
    ...world.mediaUrls.flatMap(({ path: p, token: t }) =>
      ['GET', 'HEAD'].map((method) =>
        op(method, p, [query('t', oneOf(t), true), query('download', oneOf('1', '0')), ...conditional(['"x"', '*'])], undefined, true),
      ),
    ),
    op('DELETE', '/s3/multipart/{uploadId}', [uploadId, key]),
  ];
}
