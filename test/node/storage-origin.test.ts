/**
 * The origin's storage (the AWS SDK's S3Client + lib-storage) against the
 * real local S3 server, which verifies SigV4: the SDK's requests are signed
 * the way a real S3 checks them, including its bucket-level paths
 * (`/raw/?list-type=2`, `/raw/?delete`), and a wrong or altered signature
 * fails there too.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createS3Client, isS3Error, OriginStorage, openStorage } from '../../origin/core/storage.ts';

const bucket = 'raw';
const MiB = 1024 * 1024;
const settings = (secret = 'S3RVER') => ({
  endpoint: inject('s3Endpoint'),
  region: 'us-east-1',
  accessKeyId: 'S3RVER',
  secretAccessKey: secret,
});
const storage = openStorage(settings());
afterAll(() => storage.client.destroy());

const key = (name: string) => `storage-origin/${Date.now()}-${Math.random().toString(36).slice(2)}/${name}`;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function bytesOf(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('objects', () => {
  it('puts, heads, gets, copies and deletes; a missing object is null, not an error', async () => {
    const k = key("a b+c/it's ü.txt");
    const { etag } = await storage.put(bucket, k, 'hello world', { contentType: 'text/plain', metadata: { sha256: 'abc' } });
    expect(etag).toBe(`"${createHash('md5').update('hello world').digest('hex')}"`);
    expect(await storage.head(bucket, k)).toMatchObject({ size: 11, etag, contentType: 'text/plain', metadata: { sha256: 'abc' } });
    const res = await storage.get(bucket, k);
    expect(res).toMatchObject({ status: 200, size: 11, etag, contentType: 'text/plain' });
    expect((await bytesOf(res!.body)).toString()).toBe('hello world');

    // No `+` in a copy source: s3rver reads `%2B` in x-amz-copy-source as another key (AWS decodes it).
    const source = key("it's ü.txt");
    await storage.put(bucket, source, 'hello world');
    const copy = key('copy of it.json');
    await storage.copy({ bucket, key: source }, { bucket: 'derivatives', key: copy }, { contentType: 'application/json' });
    expect(await storage.head('derivatives', copy)).toMatchObject({ size: 11, contentType: 'application/json' });
    expect(await storage.getText('derivatives', copy)).toBe('hello world');

    await storage.delete(bucket, k);
    await storage.delete(bucket, k); // already gone: not an error
    expect(await storage.head(bucket, k)).toBeNull();
    expect(await storage.get(bucket, k)).toBeNull();
    expect(await storage.getText(bucket, k)).toBeNull();
  });

  it('streams a body both ways, and serves a range as 206 with just those bytes', async () => {
    const k = key('stream.bin');
    const data = randomBytes(3 * MiB + 7);
    await storage.put(bucket, k, Readable.from([data.subarray(0, MiB), data.subarray(MiB)]), { contentLength: data.length });
    const whole = await storage.get(bucket, k);
    expect(whole?.body).toBeInstanceOf(Readable);
    expect(sha256(await bytesOf(whole!.body))).toBe(sha256(data));
    const part = await storage.get(bucket, k, { range: 'bytes=1048570-1048580' });
    expect(part).toMatchObject({ status: 206, size: 11 });
    expect((await bytesOf(part!.body)).equals(data.subarray(1048570, 1048581))).toBe(true);
  });

  it('creates only: a second create-only PUT of a key fails with PreconditionFailed and leaves the first bytes', async () => {
    const k = key('once.txt');
    await storage.put(bucket, k, 'first', { createOnly: true });
    const err = await storage.put(bucket, k, 'second', { createOnly: true }).catch((e: unknown) => e);
    expect(isS3Error(err, 'PreconditionFailed')).toBe(true);
    expect(await storage.getText(bucket, k)).toBe('first');
    await storage.put(bucket, k, 'overwritten'); // without the condition, a PUT replaces
    expect(await storage.getText(bucket, k)).toBe('overwritten');
  });

  it('sends x-amz-checksum-sha256 when given (AWS S3 verifies it; the local server accepts and ignores it)', async () => {
    const k = key('checked.bin');
    const data = randomBytes(1000);
    await storage.put(bucket, k, data, { checksumSha256: createHash('sha256').update(data).digest('base64') });
    expect((await storage.head(bucket, k))?.size).toBe(1000);
  });
});

describe('listing and deleting', () => {
  it('lists every key under a prefix across pages, and deletes them in one batch', async () => {
    const prefix = key('list');
    const keys = Array.from({ length: 7 }, (_, i) => `${prefix}/${i}`);
    await Promise.all(keys.map((k, i) => storage.put(bucket, k, String(i))));
    await storage.put(bucket, `${prefix}-sibling`, 'not under the prefix');
    const listed = [];
    // Three per page: the paginator follows the continuation token through three pages.
    for await (const o of storage.list(bucket, `${prefix}/`, { pageSize: 3 })) listed.push(o);
    expect(listed.map((o) => o.key).sort()).toEqual(keys);
    expect(listed[0]).toMatchObject({ size: 1, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });

    const versions = [];
    for await (const v of storage.listVersions(bucket, `${prefix}/`, { pageSize: 2 })) versions.push(v);
    // The local server keeps no versions: each object is its only version, `null`.
    expect(versions.map((v) => [v.key, v.versionId, v.deleteMarker]).sort()).toEqual(keys.map((k) => [k, 'null', false]));

    await storage.deleteObjects(bucket, versions);
    const left = [];
    for await (const o of storage.list(bucket, prefix)) left.push(o.key);
    expect(left).toEqual([`${prefix}-sibling`]);
  });

  it('deletes more than 1000 keys in batches of 1000 (S3 refuses bigger ones)', async () => {
    const prefix = key('many');
    const keep = `${prefix}/kept`;
    await storage.put(bucket, keep, 'k');
    const doomed = Array.from({ length: 1003 }, (_, i) => ({ key: `${prefix}/${String(i).padStart(4, '0')}` }));
    await Promise.all(doomed.slice(998).map((o) => storage.put(bucket, o.key, 'x'))); // the batch edges exist
    const batches: number[] = [];
    const client = createS3Client(settings());
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteObjectsCommand')
          batches.push((args.input as { Delete: { Objects: unknown[] } }).Delete.Objects.length);
        return next(args);
      },
      { step: 'initialize' },
    );
    await new OriginStorage(client).deleteObjects(bucket, doomed);
    client.destroy();
    expect(batches).toEqual([1000, 3]);
    const left = [];
    for await (const o of storage.list(bucket, `${prefix}/`)) left.push(o.key);
    expect(left).toEqual([keep]);
  });
});

describe('multipart (lib-storage)', () => {
  it('uploads a stream of unknown length in parts', async () => {
    const k = key('big.bin');
    const data = randomBytes(11 * MiB + 3);
    const chunks = (function* () {
      for (let i = 0; i < data.length; i += 256 * 1024) yield data.subarray(i, i + 256 * 1024);
    })();
    const parts: number[] = [];
    const client = createS3Client(settings());
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') parts.push((args.input as { Body: Uint8Array }).Body.byteLength);
        return next(args);
      },
      { step: 'initialize' },
    );
    await new OriginStorage(client).upload(bucket, k, Readable.from(chunks), { partSize: 5 * MiB, queueSize: 2, contentType: 'video/mp4' });
    client.destroy();
    expect(parts.sort((a, b) => b - a)).toEqual([5 * MiB, 5 * MiB, MiB + 3]);
    expect(await storage.head(bucket, k)).toMatchObject({ size: data.length, contentType: 'video/mp4' });
    expect(sha256(await bytesOf((await storage.get(bucket, k))!.body))).toBe(sha256(data));
  });

  it('aborts the upload when the source stream fails: no object, no open upload left behind', async () => {
    const k = key('broken.bin');
    const source = new Readable({ read() {} });
    source.push(randomBytes(6 * MiB));
    setTimeout(() => source.destroy(new Error('source went away')), 50);
    await expect(storage.upload(bucket, k, source, { partSize: 5 * MiB })).rejects.toThrow();
    expect(await storage.head(bucket, k)).toBeNull();
    const open = await storage.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: k }));
    expect(open.Uploads ?? []).toEqual([]);
  });

  it('treats aborting an upload that no longer exists as done', async () => {
    await expect(storage.abortMultipartUpload(bucket, key('none.bin'), 'deadbeef')).resolves.toBeUndefined();
  });
});

describe('signatures (the server verifies every SDK request)', () => {
  const bad = new OriginStorage(createS3Client(settings('wrong')));
  afterAll(() => bad.client.destroy());

  it('refuses object and bucket-level calls signed with the wrong secret', async () => {
    const k = key('sig.txt');
    await storage.put(bucket, k, 'x');
    for (const call of [
      () => bad.put(bucket, key('y'), 'y'),
      () => bad.get(bucket, k),
      () => bad.head(bucket, k),
      () => bad.headBucket(bucket),
      async () => {
        for await (const _ of bad.list(bucket, 'storage-origin/')) break;
      },
      () => bad.deleteObjects(bucket, [{ key: k }]),
    ]) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isS3Error(err), String(err)).toBe(true);
      expect((err as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode).toBe(403);
    }
    expect(await storage.getText(bucket, k)).toBe('x');
  });

  it('refuses a bucket-level request altered after signing (the query is part of the signature)', async () => {
    const prefix = key('private');
    await storage.put(bucket, `${prefix}/secret`, 's');
    const client = createS3Client(settings());
    // After signing: widen the listing from an empty prefix to the private one.
    client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { query: Record<string, string> };
        req.query.prefix = `${prefix}/`;
        return next(args);
      },
      { step: 'deserialize', name: 'tamper' },
    );
    const err = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'nothing-here/' })).catch((e: unknown) => e);
    client.destroy();
    expect(isS3Error(err, 'SignatureDoesNotMatch')).toBe(true);
  });

  it('refuses an unsigned bucket-level request', async () => {
    const res = await fetch(`${inject('s3Endpoint')}/${bucket}/?list-type=2`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('AccessDenied');
  });

  it('names the reason a bucket cannot be used: NoSuchBucket, InvalidAccessKeyId, SignatureDoesNotMatch', async () => {
    await storage.headBucket(bucket);
    expect(isS3Error(await storage.headBucket('no-such-bucket').catch((e: unknown) => e), 'NoSuchBucket')).toBe(true);
    const stranger = openStorage({ ...settings(), accessKeyId: 'NOBODY' });
    expect(isS3Error(await stranger.headBucket(bucket).catch((e: unknown) => e), 'InvalidAccessKeyId')).toBe(true);
    stranger.client.destroy();
    expect(isS3Error(await bad.headBucket(bucket).catch((e: unknown) => e), 'SignatureDoesNotMatch')).toBe(true);
  });
});
