/**
 * Single-request uploads end to end against the SigV4-verifying local S3:
 * `POST /api/uploads` (presigned PUT) and `GET /s3/params` (Uppy's POST
 * policy), what the presigned request is bound to, what S3 refuses (expired,
 * other length, other type, tampered policy), dedup, collections, the
 * multipart threshold, and that a failure leaves no row behind.
 */
import { env } from 'cloudflare:test';
import { AwsClient } from 'aws4fetch';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../edge/app.ts';
import { assets, collectionItems, collections } from '../../shared/db/schema.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { bearer, config, createAsset, createUser, storage, withDb } from './support/fixtures.ts';
import { api, bytesOf, errorCode, json, MiB, rowsOf, sameBytes, sha256Hex } from './support/uploads.ts';

interface PutStart {
  assetId: string;
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  expiresAt: string;
}

let owner: string;
let other: string;

beforeAll(async () => {
  [owner, other] = await withDb((db) => Promise.all([createUser(db, 'uploader'), createUser(db, 'other')]));
});

const assetCount = (userId: string) =>
  withDb(async (db) => (await db.select({ n: sql<number>`count(*)::int` }).from(assets).where(eq(assets.ownerId, userId)))[0]!.n);

async function startPut(body: Record<string, unknown>, userId = owner): Promise<PutStart> {
  return json<PutStart>(await api('/api/uploads', userId, { json: body }), 201);
}

describe('POST /api/uploads: a presigned PUT', () => {
  it('creates a pending asset and an upload row, and the PUT stores exactly the bytes under the asset key', async () => {
    const bytes = bytesOf(300_000, 7);
    const before = Date.now();
    const start = await startPut({ filename: 'holiday photo.jpg', size: bytes.length, contentType: 'Image/JPEG' });
    expect(start.method).toBe('PUT');
    expect(start.headers).toEqual({ 'content-type': 'image/jpeg', 'content-length': String(bytes.length), 'if-none-match': '*' });
    const url = new URL(start.url);
    expect(decodeURIComponent(url.pathname)).toBe(`/${config.S3_BUCKET_RAW}/${originalKey(start.assetId)}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    const expires = Date.parse(start.expiresAt) - before;
    expect(expires).toBeGreaterThan(295_000);
    expect(expires).toBeLessThanOrEqual(301_000);

    const { asset, uploads } = await rowsOf(start.assetId);
    expect(asset).toMatchObject({
      ownerId: owner,
      filename: 'holiday photo.jpg',
      declaredType: 'image/jpeg',
      size: bytes.length,
      status: 'pending',
      sha256: null,
    });
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ userId: owner, key: originalKey(start.assetId), s3UploadId: null, status: 'active' });

    const put = await fetch(start.url, { method: 'PUT', headers: start.headers, body: bytes });
    expect(put.status, await put.text()).toBe(200);
    const head = await storage.head(config.S3_BUCKET_RAW, originalKey(start.assetId));
    expect(head).toMatchObject({ size: bytes.length, contentType: 'image/jpeg' });
    const stored = new Uint8Array(await (await storage.get(config.S3_BUCKET_RAW, originalKey(start.assetId)))!.arrayBuffer());
    expect(sameBytes(stored, bytes)).toBe(true);
  });

  it('signs the declared SHA-256 as x-amz-checksum-sha256: the PUT must carry exactly that header', async () => {
    const bytes = bytesOf(1000, 3);
    const hex = await sha256Hex(bytes);
    const start = await startPut({
      filename: 'a.bin',
      size: bytes.length,
      contentType: 'application/octet-stream',
      sha256: hex.toUpperCase(),
    });
    const b64 = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))));
    expect(start.headers['x-amz-checksum-sha256']).toBe(b64);
    expect((await rowsOf(start.assetId)).asset!.sha256).toBe(hex);
    expect(new URL(start.url).searchParams.get('X-Amz-SignedHeaders')).toContain('x-amz-checksum-sha256');

    const { 'x-amz-checksum-sha256': _, ...withoutChecksum } = start.headers;
    const missing = await fetch(start.url, { method: 'PUT', headers: withoutChecksum, body: bytes });
    expect(missing.status).toBe(403);
    const forged = await fetch(start.url, {
      method: 'PUT',
      headers: { ...start.headers, 'x-amz-checksum-sha256': btoa('x'.repeat(32)) },
      body: bytes,
    });
    expect(forged.status).toBe(403);
    expect(await storage.head(config.S3_BUCKET_RAW, originalKey(start.assetId))).toBeNull();
    const ok = await fetch(start.url, { method: 'PUT', headers: start.headers, body: bytes });
    expect(ok.status).toBe(200);
  });

  it('is refused by S3 for another length or another type', async () => {
    const start = await startPut({ filename: 'b.txt', size: 100, contentType: 'text/plain' });
    const longer = await fetch(start.url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: bytesOf(101) });
    expect(longer.status).toBe(403);
    const shorter = await fetch(start.url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: bytesOf(99) });
    expect(shorter.status).toBe(403);
    const retyped = await fetch(start.url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: bytesOf(100) });
    expect(retyped.status).toBe(403);
    expect(await storage.head(config.S3_BUCKET_RAW, originalKey(start.assetId))).toBeNull();
  });

  it('an expired presigned PUT is refused by the S3 server', async () => {
    const key = originalKey(crypto.randomUUID());
    const signed = await storage.presignPut(config.S3_BUCKET_RAW, key, { expiresIn: 1, contentType: 'text/plain', contentLength: 5 });
    const fresh = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: 'hello' });
    expect(fresh.status).toBe(200);
    await new Promise((r) => setTimeout(r, 2100));
    const late = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: 'hello' });
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('Request has expired');
  });

  it('refuses files over the multipart threshold with 413 and a pointer to multipart, creating nothing', async () => {
    const before = await assetCount(owner);
    const res = await api('/api/uploads', owner, { json: { filename: 'big.mov', size: 100 * MiB + 1, contentType: 'video/quicktime' } });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { code: string; details: Record<string, unknown> } };
    expect(body.error.code).toBe('payload_too_large');
    expect(body.error.details).toMatchObject({ useMultipart: true, endpoint: '/s3/multipart', thresholdBytes: 100 * MiB });
    expect(await assetCount(owner)).toBe(before);
    // Exactly at the threshold a single PUT is still fine.
    await startPut({ filename: 'edge.mov', size: 100 * MiB, contentType: 'video/quicktime' });
  });
});

describe('dedup (client opt-in)', () => {
  it('answers 200 with the ready asset the caller owns for the same SHA-256, and creates nothing', async () => {
    const sha = 'ab'.repeat(32);
    const existing = await withDb((db) => createAsset(db, owner, { sha256: sha, status: 'ready' }));
    const before = await assetCount(owner);
    const res = await api('/api/uploads', owner, {
      json: { filename: 'again.jpg', size: 10, contentType: 'image/jpeg', sha256: sha.toUpperCase(), dedup: true },
    });
    expect(await json(res, 200)).toEqual({ assetId: existing, status: 'ready', deduplicated: true });
    expect(await assetCount(owner)).toBe(before);
  });

  it('uploads anew without the opt-in, for another owner, or when the match is not ready', async () => {
    const sha = 'cd'.repeat(32);
    await withDb((db) => createAsset(db, owner, { sha256: sha, status: 'ready' }));
    const pendingSha = 'ef'.repeat(32);
    await withDb((db) => createAsset(db, owner, { sha256: pendingSha, status: 'processing' }));
    const declared = { filename: 'x.jpg', size: 10, contentType: 'image/jpeg' };
    expect((await startPut({ ...declared, sha256: sha })).method).toBe('PUT');
    expect((await startPut({ ...declared, sha256: sha, dedup: true }, other)).method).toBe('PUT');
    expect((await startPut({ ...declared, sha256: pendingSha, dedup: true })).method).toBe('PUT');
  });
});

describe('collections', () => {
  it('files the new asset at the end of a collection the caller owns', async () => {
    const col = await withDb(async (db) => {
      const [c] = await db.insert(collections).values({ ownerId: owner, name: 'Trip' }).returning();
      const first = await createAsset(db, owner);
      await db.insert(collectionItems).values({ collectionId: c!.id, assetId: first, position: 4, addedBy: owner });
      return c!.id;
    });
    const start = await startPut({ filename: 'c.jpg', size: 10, contentType: 'image/jpeg', collectionId: col });
    const items = await withDb((db) =>
      db
        .select()
        .from(collectionItems)
        .where(and(eq(collectionItems.collectionId, col), eq(collectionItems.assetId, start.assetId))),
    );
    expect(items).toHaveLength(1);
    expect(items[0]!.position).toBe(5);
  });

  it("404s someone else's or a deleted collection and creates nothing", async () => {
    const [theirs, deleted] = await withDb(async (db) => {
      const [a] = await db.insert(collections).values({ ownerId: other, name: 'Theirs' }).returning();
      const [b] = await db.insert(collections).values({ ownerId: owner, name: 'Gone', deletedAt: new Date() }).returning();
      return [a!.id, b!.id];
    });
    const before = await assetCount(owner);
    for (const collectionId of [theirs, deleted, crypto.randomUUID()]) {
      const res = await api('/api/uploads', owner, { json: { filename: 'd.jpg', size: 10, contentType: 'image/jpeg', collectionId } });
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe('not_found');
    }
    expect(await assetCount(owner)).toBe(before);
  });
});

describe('GET /s3/params: the POST policy Uppy posts', () => {
  const params = (size: number | string, type = 'text/plain', extra = '') =>
    `/s3/params?filename=${encodeURIComponent('notes 1.txt')}&type=${encodeURIComponent(type)}&metadata%5Bname%5D=notes&metadata%5Bsize%5D=${size}${extra}`;

  interface PostStart {
    assetId: string;
    method: string;
    url: string;
    fields: Record<string, string>;
  }

  const post = (start: PostStart, file: Uint8Array, fields: Record<string, string> = start.fields) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('file', new File([file as Uint8Array<ArrayBuffer>], 'notes.txt', { type: 'text/plain' }));
    return fetch(start.url, { method: 'POST', body: form });
  };

  it('hands out a policy bound to the key, type and length; S3 stores the form upload under the asset key', async () => {
    const bytes = bytesOf(2048, 9);
    const start = await json<PostStart>(await api(params(bytes.length), owner), 200);
    expect(start.method).toBe('POST');
    expect(start.fields.key).toBe(originalKey(start.assetId));
    expect(start.fields['Content-Type']).toBe('text/plain');
    const policy = JSON.parse(atob(start.fields.policy!)) as { conditions: unknown[] };
    expect(policy.conditions).toContainEqual(['content-length-range', bytes.length, bytes.length]);
    expect((await rowsOf(start.assetId)).asset).toMatchObject({ filename: 'notes 1.txt', size: bytes.length, status: 'pending' });

    const res = await post(start, bytes);
    expect(res.status, await res.text()).toBe(204);
    const stored = await storage.get(config.S3_BUCKET_RAW, originalKey(start.assetId));
    expect(sameBytes(new Uint8Array(await stored!.arrayBuffer()), bytes)).toBe(true);
  });

  it('S3 refuses another length, another key, a changed type or a tampered policy', async () => {
    const start = await json<PostStart>(await api(params(100), owner), 200);
    expect((await post(start, bytesOf(101))).status).toBe(400);
    expect((await post(start, bytesOf(99))).status).toBe(400);
    const elsewhere = originalKey(crypto.randomUUID());
    expect((await post(start, bytesOf(100), { ...start.fields, key: elsewhere })).status).toBe(403);
    expect((await post(start, bytesOf(100), { ...start.fields, 'Content-Type': 'text/html' })).status).toBe(403);
    const policy = JSON.parse(atob(start.fields.policy!)) as { conditions: unknown[] };
    policy.conditions = policy.conditions.filter((c) => !Array.isArray(c));
    const loosened = await post(start, bytesOf(500), { ...start.fields, policy: btoa(JSON.stringify(policy)) });
    expect(loosened.status).toBe(403);
    expect(await storage.head(config.S3_BUCKET_RAW, originalKey(start.assetId))).toBeNull();
    expect(await storage.head(config.S3_BUCKET_RAW, elsewhere)).toBeNull();
  });

  it('requires the size in metadata, a valid type, and stays under the multipart threshold', async () => {
    const noSize = await api(`/s3/params?filename=a.txt&type=text/plain`, owner);
    expect(noSize.status).toBe(400);
    const body = (await noSize.json()) as { error: { code: string; details: { fields: { field: string }[] } } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.fields.map((f) => f.field)).toContain('metadata.size');
    expect((await api(params('12x'), owner)).status).toBe(400);
    expect((await api(params(10, 'not a type'), owner)).status).toBe(400);
    expect((await api(params(100 * MiB + 1), owner)).status).toBe(413);
    expect((await api(params(10), undefined)).status).toBe(401);
  });
});

describe('no partial state', () => {
  it('a database refused after S3 created a multipart upload: the upload is aborted again and the answer is 503 + Retry-After', async () => {
    // The derivatives bucket stands in for raw so the listing below sees only this test's upload.
    const broken = { ...env, S3_BUCKET_RAW: config.S3_BUCKET_DERIVATIVES, DATABASE_URL: 'postgres://nobody:wrong@127.0.0.1:1/none' };
    const res = await createApp().request(
      '/s3/multipart',
      {
        method: 'POST',
        headers: { ...(await bearer(owner)), 'content-type': 'application/json' },
        body: JSON.stringify({ filename: 'x.bin', type: 'application/octet-stream', metadata: { size: 10 * MiB } }),
      },
      broken,
    );
    // A refused connection is an outage, not a bug (edge/errors.ts dependencyFailure).
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    const aws = new AwsClient({
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      service: 's3',
      region: config.S3_REGION,
    });
    const listing = await (await aws.fetch(`${config.S3_ENDPOINT}/${config.S3_BUCKET_DERIVATIVES}?uploads`)).text();
    expect(listing).toContain('<ListMultipartUploadsResult');
    expect(listing).not.toContain('<Upload>');
  });
});
