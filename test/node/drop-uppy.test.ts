/**
 * The real, unmodified `@uppy/aws-s3` 6 through an upload link on the whole
 * local stack (edge in workerd, SigV4-checking S3, Postgres, the real ingest
 * handler): `companionEndpoint` set to `{edge}/s/{token}` and the uploader's
 * name in each file's meta — no account, no Bearer wrapper. A small file
 * goes as a POST policy, a larger one in 5 MiB parts whose lengths the edge
 * signs; both land in the collection, owned by the link's creator, and go
 * ready. Uppy in Node needs only the XMLHttpRequest stand-in.
 */
import { randomBytes } from 'node:crypto';
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FetchXMLHttpRequest } from './support/xhr-on-fetch.ts';
import { sha256OfObject, startUploadStack, type UploadStack } from './support/upload-stack.ts';

const MiB = 1024 * 1024;
let env: UploadStack;
const realFetch = globalThis.fetch;
const realXhr = (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
const calls: string[] = [];

beforeAll(async () => {
  env = await startUploadStack();
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = FetchXMLHttpRequest;
  globalThis.fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(`${env.endpoint}/s/`))
      calls.push(`${init?.method ?? 'GET'} ${new URL(url).pathname.replace(/^\/s\/[^/]+/, '/s/:token')}`);
    return realFetch(input, init);
  };
}, 180_000);
afterAll(async () => {
  globalThis.fetch = realFetch;
  (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = realXhr;
  await env?.close();
});

async function call<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await realFetch(`${env.endpoint}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const sha256 = async (bytes: Uint8Array) =>
  Buffer.from(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)).toString('hex');

it('a stock Uppy uploads through a drop link: POST policy and 5 MiB parts; the files are the creator’s, in the collection, ready', async () => {
  const owner = await env.register('drop-owner');
  const album = await call<{ id: string }>(owner.accessToken, 'POST', '/api/collections', { name: 'Footage' });
  const link = await call<{ token: string }>(owner.accessToken, 'POST', '/api/share-links', {
    resourceType: 'collection',
    resourceId: album.id,
    upload: { dropOnly: true, maxFiles: 2 },
  });
  const small = new Uint8Array(randomBytes(MiB + 17));
  const big = new Uint8Array(randomBytes(12 * MiB + 5));
  const uppy = new Uppy().use(AwsS3, {
    companionEndpoint: `${env.endpoint}/s/${link.token}`,
    shouldUseMultipart: (file) => (file.size ?? 0) > 10 * MiB,
  });
  uppy.setMeta({ uploaderName: 'Camera B', note: 'Day 2' });
  for (const [name, bytes] of [
    ['small.bin', small],
    ['big.bin', big],
  ] as const) {
    const data = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
    uppy.addFile({ name, type: 'application/octet-stream', data, meta: { size: data.size } });
  }
  const result = await uppy.upload();
  expect(result?.failed ?? []).toEqual([]);
  expect(result?.successful).toHaveLength(2);
  expect(calls.filter((c) => c === 'GET /s/:token/s3/params')).toHaveLength(1);
  expect(calls.filter((c) => c === 'POST /s/:token/s3/multipart')).toHaveLength(1);
  expect(calls.filter((c) => /^GET \/s\/:token\/s3\/multipart\/[^/]+\/\d+$/.test(c))).toHaveLength(3);

  for (const f of result!.successful!) {
    const key = (f.response!.body as unknown as { key: string }).key;
    const expected = f.name === 'small.bin' ? small : big;
    expect(await sha256OfObject(env.storage, env.raw, key)).toBe(await sha256(expected));
  }
  // The owner sees both in the collection, ready, and the link counted them; a third file is over the cap.
  await expect
    .poll(
      async () => {
        const c = await call<{ items: { filename: string; status: string }[] }>(owner.accessToken, 'GET', `/api/collections/${album.id}`);
        return c.items.map((i) => `${i.filename}:${i.status}`).sort();
      },
      { timeout: 120_000, interval: 500 },
    )
    .toEqual(['big.bin:ready', 'small.bin:ready']);
  const third = new Uppy().use(AwsS3, { companionEndpoint: `${env.endpoint}/s/${link.token}` });
  third.setMeta({ uploaderName: 'Camera B' });
  third.addFile({ name: 'third.bin', type: 'application/octet-stream', data: new Blob([new Uint8Array(10)]), meta: { size: 10 } });
  const refused = await third.upload();
  expect(refused?.failed).toHaveLength(1);
}, 300_000);

it('an images-only link: a file that declares image/jpeg but is not an image is refused by ingest', async () => {
  const owner = await env.register('drop-kinds');
  const album = await call<{ id: string }>(owner.accessToken, 'POST', '/api/collections', { name: 'Photos only' });
  const link = await call<{ token: string }>(owner.accessToken, 'POST', '/api/share-links', {
    resourceType: 'collection',
    resourceId: album.id,
    upload: { kinds: 'images' },
  });
  const bytes = new TextEncoder().encode('#!/bin/sh\necho not a photo\n'.repeat(40));
  const res = await realFetch(`${env.endpoint}/api/share/${link.token}/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filename: 'holiday.jpg', size: bytes.length, contentType: 'image/jpeg', uploaderName: 'Mallory' }),
  });
  expect(res.status).toBe(201);
  const { assetId, url, headers } = (await res.json()) as { assetId: string; url: string; headers: Record<string, string> };
  expect((await realFetch(url, { method: 'PUT', headers, body: bytes })).status).toBe(200);
  await expect
    .poll(
      async () => {
        const s = await call<{ status: string; reason?: string }>(owner.accessToken, 'GET', `/api/assets/${assetId}/status`);
        return `${s.status} ${s.reason ?? ''}`;
      },
      { timeout: 60_000, interval: 300 },
    )
    .toMatch(/^failed unsupported: the upload link takes images only; this file is text\//);
}, 120_000);
