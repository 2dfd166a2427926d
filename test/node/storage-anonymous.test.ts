/**
 * The local S3 server refuses unsigned requests as S3 does for buckets under
 * Block Public Access: every read, write, listing and form upload without a
 * valid SigV4 signature is 403 AccessDenied (S3 XML), on both buckets, and
 * nothing changes. CORS preflights still work (browsers send them without
 * credentials). Tampered signatures: test/node/storage-client.test.ts and
 * storage-create-only.test.ts.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { S3Client } from '../../edge/storage/s3-client.ts';

let s3: S3Client;
let endpoint: string;

beforeAll(() => {
  endpoint = inject('s3Endpoint');
  s3 = new S3Client({ endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
});

const key = (name: string) => `anonymous/${Date.now()}-${Math.random().toString(36).slice(2)}/${name}`;

async function expectDenied(res: Response, method: string) {
  expect(res.status, `${method} ${res.url}`).toBe(403);
  if (method !== 'HEAD') {
    const body = await res.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
  }
}

describe.each(['raw', 'derivatives'])('unsigned requests to %s', (bucket) => {
  it('GET, HEAD, PUT, DELETE of an object and list calls are 403 AccessDenied; the object is untouched', async () => {
    const k = key('original');
    await s3.put(bucket, k, 'private bytes', { contentType: 'image/jpeg' });
    const url = s3.url(bucket, k).toString();
    for (const method of ['GET', 'HEAD', 'DELETE']) await expectDenied(await fetch(url, { method }), method);
    await expectDenied(await fetch(url, { method: 'PUT', body: 'replaced', headers: { 'content-type': 'image/jpeg' } }), 'PUT');
    await expectDenied(await fetch(`${url}?uploads`, { method: 'POST' }), 'POST');
    await expectDenied(await fetch(`${endpoint}/${bucket}?list-type=2`), 'GET');
    await expectDenied(await fetch(`${endpoint}/${bucket}`), 'GET');
    await expectDenied(await fetch(`${endpoint}/${bucket}?uploads`), 'GET');
    await expectDenied(await fetch(`${endpoint}/${bucket}?versions`), 'GET');
    await expectDenied(await fetch(`${endpoint}/`), 'GET');
    expect(await (await s3.get(bucket, k))!.text()).toBe('private bytes');
  });

  it('a form upload without a policy is refused and stores nothing', async () => {
    const k = key('form');
    const form = new FormData();
    form.set('key', k);
    form.set('file', new File(['anonymous'], 'f.txt', { type: 'text/plain' }));
    await expectDenied(await fetch(`${endpoint}/${bucket}`, { method: 'POST', body: form }), 'POST');
    expect(await s3.head(bucket, k)).toBeNull();
  });

  it('look-alike credentials are not signatures: SigV2, a lower-case algorithm query, a bare header', async () => {
    const k = key('lookalike');
    await s3.put(bucket, k, 'x');
    const url = s3.url(bucket, k).toString();
    await expectDenied(await fetch(url, { headers: { authorization: 'AWS S3RVER:c2lnbmF0dXJl' } }), 'GET');
    await expectDenied(await fetch(`${url}?AWSAccessKeyId=S3RVER&Expires=9999999999&Signature=abc`), 'GET');
    await expectDenied(await fetch(`${url}?x-amz-algorithm=AWS4-HMAC-SHA256&x-amz-signature=abc`), 'GET');
    await expectDenied(await fetch(url, { headers: { authorization: 'Bearer nothing' } }), 'GET');
  });

  it('answers CORS preflights without credentials, and a refused request still carries the CORS headers', async () => {
    const url = s3.url(bucket, key('cors')).toString();
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type, if-none-match',
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('if-none-match');
    const denied = await fetch(url, { headers: { origin: 'http://localhost:5173' } });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBe('*');
  });
});
