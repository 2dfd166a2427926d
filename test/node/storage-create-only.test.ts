/**
 * Create-only writes (`If-None-Match: *`) against the local S3 server, as AWS
 * S3 answers them: PutObject and CompleteMultipartUpload over an existing key
 * → 412 PreconditionFailed with nothing written; two at once → one wins, the
 * other 412 or 409 ConditionalRequestConflict; a presigned PUT that signs the
 * header cannot be sent without it. The signature is checked first, so an
 * unsigned request learns nothing about which keys exist.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { S3Client, StorageError } from '../../edge/storage/s3-client.ts';

const bucket = 'raw';
let s3: S3Client;
let aws: AwsClient;

beforeAll(() => {
  const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  s3 = new S3Client({ endpoint: inject('s3Endpoint'), region: 'us-east-1', ...creds });
  aws = new AwsClient({ ...creds, service: 's3', region: 'us-east-1', retries: 0 });
});

const key = (name: string) => `create-only/${Date.now()}-${Math.random().toString(36).slice(2)}/${name}`;
const bytesAt = async (k: string) => Buffer.from(await (await s3.get(bucket, k))!.arrayBuffer());
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

describe('PutObject with If-None-Match: *', () => {
  it('creates a new key, then refuses to replace it: 412 PreconditionFailed, the first bytes kept', async () => {
    const k = key('a.bin');
    const first = randomBytes(1000);
    await s3.put(bucket, k, first, { createOnly: true });
    const err = await s3.put(bucket, k, randomBytes(1000), { createOnly: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({ status: 412, code: 'PreconditionFailed' });
    expect((await bytesAt(k)).equals(first)).toBe(true);
    // Without the condition S3 overwrites (a new version in a versioned bucket): the header is the guard.
    await s3.put(bucket, k, 'plain');
    expect((await bytesAt(k)).toString()).toBe('plain');
  });

  it('answers 412 with S3 XML, and 501 for a value other than *', async () => {
    const k = key('b.txt');
    await s3.put(bucket, k, 'x');
    const res = await aws.fetch(s3.url(bucket, k), { method: 'PUT', headers: { 'if-none-match': '*' }, body: 'y' });
    expect(res.status).toBe(412);
    expect(res.headers.get('content-type')).toMatch(/xml/);
    const body = await res.text();
    expect(body).toContain('<Code>PreconditionFailed</Code>');
    expect(body).toContain('<Condition>If-None-Match</Condition>');
    const etag = await aws.fetch(s3.url(bucket, key('c.txt')), { method: 'PUT', headers: { 'if-none-match': '"abc"' }, body: 'y' });
    expect(etag.status).toBe(501);
    expect(await etag.text()).toContain('<Code>NotImplemented</Code>');
    expect((await bytesAt(k)).toString()).toBe('x');
  });

  it('lets exactly one of two simultaneous create-only PUTs win', async () => {
    const k = key('race.bin');
    const bodies = [randomBytes(2 * 1024 * 1024), randomBytes(2 * 1024 * 1024)];
    const results = await Promise.all(
      bodies.map((b) =>
        s3.put(bucket, k, b, { createOnly: true }).then(
          () => 200,
          (e: StorageError) => e.status,
        ),
      ),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 412 || s === 409)).toHaveLength(1);
    const winner = bodies[results.indexOf(200)]!;
    expect(md5(await bytesAt(k))).toBe(md5(winner));
  });
});

describe('a presigned PUT that signs If-None-Match: *', () => {
  it('names the header, stores once, and a replay of the same URL is 412 with the stored bytes unchanged', async () => {
    const k = key('presigned.bin');
    const first = randomBytes(4096);
    const { url, headers } = await s3.presignPut(bucket, k, {
      expiresIn: 60,
      contentType: 'application/octet-stream',
      contentLength: 4096,
      createOnly: true,
    });
    expect(headers['if-none-match']).toBe('*');
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')!.split(';')).toContain('if-none-match');
    expect((await fetch(url, { method: 'PUT', headers, body: first })).status).toBe(200);
    const replay = await fetch(url, { method: 'PUT', headers, body: randomBytes(4096) });
    expect(replay.status).toBe(412);
    expect(await replay.text()).toContain('PreconditionFailed');
    expect((await bytesAt(k)).equals(first)).toBe(true);
  });

  it('is refused (403, signature) when the header is dropped or changed, so the condition cannot be removed', async () => {
    const k = key('dropped.bin');
    const { url, headers } = await s3.presignPut(bucket, k, {
      expiresIn: 60,
      contentType: 'text/plain',
      contentLength: 5,
      createOnly: true,
    });
    const { 'if-none-match': _, ...without } = headers;
    const dropped = await fetch(url, { method: 'PUT', headers: without, body: 'hello' });
    expect(dropped.status).toBe(403);
    expect(await dropped.text()).toContain('SignatureDoesNotMatch');
    const changed = await fetch(url, { method: 'PUT', headers: { ...headers, 'if-none-match': '"0"' }, body: 'hello' });
    expect(changed.status).toBe(403);
    expect(await s3.head(bucket, k)).toBeNull();
    await s3.put(bucket, k, 'older');
    // Once something exists, even the dropped-header request stays a signature failure, never a write.
    expect((await fetch(url, { method: 'PUT', headers: without, body: 'hello' })).status).toBe(403);
    expect((await bytesAt(k)).toString()).toBe('older');
  });

  it('an anonymous create-only PUT is 403, not 412: existence is not revealed', async () => {
    const k = key('exists.txt');
    await s3.put(bucket, k, 'x');
    const res = await fetch(s3.url(bucket, k), { method: 'PUT', headers: { 'if-none-match': '*' }, body: 'y' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>AccessDenied</Code>');
  });
});

describe('CompleteMultipartUpload with If-None-Match: *', () => {
  async function partsOf(k: string, body: Uint8Array<ArrayBuffer>) {
    const uploadId = await s3.createMultipartUpload(bucket, k);
    const res = await fetch(await s3.presignUploadPart(bucket, k, uploadId, 1, 60), { method: 'PUT', body });
    return { uploadId, parts: [{ partNumber: 1, etag: res.headers.get('etag')! }] };
  }

  it('completes onto a new key, and refuses a second upload of the same key with 412; the upload stays open', async () => {
    const k = key('mp.bin');
    const first = randomBytes(3000);
    const second = randomBytes(3000);
    // S3 allows several multipart uploads of one key at once; only one may create it.
    const a = await partsOf(k, first);
    const b = await partsOf(k, second);
    await s3.completeMultipartUpload(bucket, k, a.uploadId, a.parts, { createOnly: true });
    const err = await s3.completeMultipartUpload(bucket, k, b.uploadId, b.parts, { createOnly: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 412, code: 'PreconditionFailed' });
    expect((await bytesAt(k)).equals(first)).toBe(true);
    expect(await s3.listParts(bucket, k, b.uploadId)).toHaveLength(1);
    // Without the condition the same complete replaces the object, as in S3: the header is the guard.
    await s3.completeMultipartUpload(bucket, k, b.uploadId, b.parts);
    expect((await bytesAt(k)).equals(second)).toBe(true);
  });
});
