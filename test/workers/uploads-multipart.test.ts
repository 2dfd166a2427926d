/**
 * The Companion-style multipart contract end to end against the local S3:
 * create, sign parts, list, complete, abort; resuming after a failed part;
 * ownership (someone else's upload id or key is 404 on every call); part
 * number bounds; and what completion verifies (declared size, the parts the
 * client names, S3's part-size rule).
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { uploads } from '../../shared/db/schema.ts';
import { config, createUser, storage, withDb } from './support/fixtures.ts';
import {
  abortUpload,
  api,
  bytesOf,
  completeUpload,
  errorCode,
  json,
  listParts,
  MiB,
  rowsOf,
  sameBytes,
  startMultipart,
  uploadPart,
  type MultipartStart,
} from './support/uploads.ts';

let owner: string;
let intruder: string;

beforeAll(async () => {
  [owner, intruder] = await withDb((db) => Promise.all([createUser(db, 'mp-owner'), createUser(db, 'mp-intruder')]));
});

const objectBytes = async (key: string) => {
  const res = await storage.get(config.S3_BUCKET_RAW, key);
  return res ? new Uint8Array(await res.arrayBuffer()) : null;
};

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('multipart end to end', () => {
  it('create → sign and PUT parts → list → complete stores the bytes; the asset is uploaded; a repeated complete answers the same', async () => {
    const p1 = bytesOf(5 * MiB, 1);
    const p2 = bytesOf(MiB + 123, 2);
    const up = await startMultipart(owner, p1.length + p2.length);
    expect(up.key).toBe(`${up.assetId}/original`);
    expect(up.partSize).toBe(8 * MiB);
    expect(up.maxPartNumber).toBe(2);
    const before = await rowsOf(up.assetId);
    expect(before.asset).toMatchObject({ status: 'pending', size: p1.length + p2.length, filename: 'big.bin' });
    expect(before.uploads[0]).toMatchObject({ s3UploadId: up.uploadId, status: 'active', partSize: 8 * MiB });

    const e2 = await uploadPart(owner, up, 2, p2);
    const e1 = await uploadPart(owner, up, 1, p1);
    const listed = await json<{ PartNumber: number; Size: number; ETag: string }[]>(await listParts(owner, up), 200);
    expect(listed).toEqual([
      { PartNumber: 1, Size: p1.length, ETag: e1 },
      { PartNumber: 2, Size: p2.length, ETag: e2 },
    ]);

    const parts = [
      { PartNumber: 2, ETag: e2 },
      { PartNumber: 1, ETag: e1.replaceAll('"', '') },
    ];
    const done = await json<{ location: string; key: string; assetId: string }>(await completeUpload(owner, up, parts), 200);
    expect(done).toEqual({ location: `https://edge.test/m/${up.assetId}/original`, key: up.key, assetId: up.assetId });
    expect(sameBytes(await objectBytes(up.key), concat(p1, p2))).toBe(true);
    const after = await rowsOf(up.assetId);
    expect(after.asset!.status).toBe('uploaded');
    expect(after.uploads[0]).toMatchObject({ status: 'completed' });
    expect(after.uploads[0]!.completedAt).toBeInstanceOf(Date);

    expect(await json(await completeUpload(owner, up, parts), 200)).toEqual(done);
    expect((await api(`/s3/multipart/${up.uploadId}/1?key=${up.key}`, owner)).status).toBe(409);
    expect((await abortUpload(owner, up)).status).toBe(409);
  });

  it('resumes after a failed part: the part is missing from the list, signed again and uploaded', async () => {
    const p1 = bytesOf(5 * MiB, 3);
    const p2 = bytesOf(4096, 4);
    const up = await startMultipart(owner, p1.length + p2.length);
    const e1 = await uploadPart(owner, up, 1, p1);
    // Part 2 fails on the way (here: a corrupted signature, as a proxy that mangles the URL would).
    const signed = await json<{ url: string }>(await api(`/s3/multipart/${up.uploadId}/2?key=${up.key}`, owner), 200);
    const broken = signed.url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    expect((await fetch(broken, { method: 'PUT', body: p2 })).status).toBe(403);

    const listed = await json<{ PartNumber: number }[]>(await listParts(owner, up), 200);
    expect(listed.map((p) => p.PartNumber)).toEqual([1]);
    const e2 = await uploadPart(owner, up, 2, p2);
    await json(
      await completeUpload(owner, up, [
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 2, ETag: e2 },
      ]),
      200,
    );
    expect(sameBytes(await objectBytes(up.key), concat(p1, p2))).toBe(true);
  });

  it('signs part URLs for 15 minutes and only for part numbers the declared size can need', async () => {
    const up = await startMultipart(owner, 12 * MiB);
    expect(up.maxPartNumber).toBe(3);
    const ok = await json<{ url: string; expires: number }>(await api(`/s3/multipart/${up.uploadId}/3?key=${up.key}`, owner), 200);
    expect(ok.expires).toBe(900);
    const url = new URL(ok.url);
    expect(url.searchParams.get('partNumber')).toBe('3');
    expect(url.searchParams.get('uploadId')).toBe(up.uploadId);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    for (const n of ['4', '0', '-1', '1.5', 'abc', '10001']) {
      const res = await api(`/s3/multipart/${up.uploadId}/${n}?key=${up.key}`, owner);
      expect(res.status, n).toBe(400);
    }
    expect((await abortUpload(owner, up)).status).toBe(204);
  });

  it('recommends 8 MiB parts up to 2.5 GiB and 16 MiB for 5 GiB (320 parts), and refuses more than 5 GiB', async () => {
    const gib = await startMultipart(owner, 1024 * MiB);
    expect(gib.partSize).toBe(8 * MiB);
    const five = await startMultipart(owner, 5 * 1024 * MiB);
    expect(five.partSize).toBe(16 * MiB);
    expect(five.maxPartNumber).toBe(1024);
    for (const up of [gib, five]) expect((await abortUpload(owner, up)).status).toBe(204);
    const tooBig = await api('/s3/multipart', owner, {
      json: { filename: 'x', type: 'video/mp4', metadata: { size: 5 * 1024 * MiB + 1 } },
    });
    expect(tooBig.status).toBe(400);
  });

  it('an expired presigned part URL is refused by the S3 server', async () => {
    const up = await startMultipart(owner, 6 * MiB);
    const url = await storage.presignUploadPart(config.S3_BUCKET_RAW, up.key, up.uploadId, 1, 1);
    await new Promise((r) => setTimeout(r, 2100));
    const res = await fetch(url, { method: 'PUT', body: bytesOf(1024) });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Request has expired');
    expect(await json<unknown[]>(await listParts(owner, up), 200)).toEqual([]);
    await abortUpload(owner, up);
  });
});

describe('abort', () => {
  it('aborts in S3, marks the upload aborted and the asset failed and discarded; later calls are refused', async () => {
    const up = await startMultipart(owner, 6 * MiB);
    await uploadPart(owner, up, 1, bytesOf(5 * MiB));
    const res = await abortUpload(owner, up);
    expect(res.status).toBe(204);
    const { asset, uploads: rows } = await rowsOf(up.assetId);
    expect(rows[0]).toMatchObject({ status: 'aborted' });
    expect(asset).toMatchObject({ status: 'failed', statusReason: 'upload aborted' });
    expect(asset!.deletedAt).toBeInstanceOf(Date);
    expect(asset!.purgeAfter).toBeInstanceOf(Date);
    await expect(storage.listParts(config.S3_BUCKET_RAW, up.key, up.uploadId)).rejects.toMatchObject({ status: 404 });
    expect((await api(`/s3/multipart/${up.uploadId}/2?key=${up.key}`, owner)).status).toBe(410);
    expect((await completeUpload(owner, up, [{ PartNumber: 1, ETag: 'x' }])).status).toBe(410);
    expect((await abortUpload(owner, up)).status).toBe(204);
  });

  it('a part URL an isolate signs from memory for an upload aborted elsewhere is refused by S3 itself', async () => {
    const up = await startMultipart(owner, 6 * MiB);
    await uploadPart(owner, up, 1, bytesOf(5 * MiB)); // this isolate now remembers the upload
    // Another isolate (or the sweeper) aborts it: S3 and the row, not this isolate's memory.
    await storage.abortMultipartUpload(config.S3_BUCKET_RAW, up.key, up.uploadId);
    await withDb((db) => db.update(uploads).set({ status: 'aborted' }).where(eq(uploads.s3UploadId, up.uploadId)));
    // Signed from this isolate's memory (no database read)...
    const { url } = await json<{ url: string }>(await api(`/s3/multipart/${up.uploadId}/2?key=${up.key}`, owner), 200);
    // ...and worthless: S3 no longer has the upload.
    const res = await fetch(url, { method: 'PUT', body: bytesOf(MiB) });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('NoSuchUpload');
    // Calls that read the row see the truth, and this isolate forgets the upload.
    expect((await listParts(owner, up)).status).toBe(410);
    expect((await api(`/s3/multipart/${up.uploadId}/2?key=${up.key}`, owner)).status).toBe(410);
  });

  it('an upload past its expiry takes no more parts (410) even before the sweeper aborts it', async () => {
    const up = await startMultipart(owner, 6 * MiB);
    await withDb((db) =>
      db
        .update(uploads)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(uploads.s3UploadId, up.uploadId)),
    );
    expect((await api(`/s3/multipart/${up.uploadId}/1?key=${up.key}`, owner)).status).toBe(410);
    expect((await listParts(owner, up)).status).toBe(410);
    await abortUpload(owner, up);
  });
});

describe('ownership', () => {
  let up: MultipartStart;
  beforeAll(async () => {
    up = await startMultipart(owner, 6 * MiB);
    await uploadPart(owner, up, 1, bytesOf(5 * MiB));
  });

  const calls = (u: Pick<MultipartStart, 'uploadId' | 'key'>) =>
    [
      ['GET', `/s3/multipart/${encodeURIComponent(u.uploadId)}/1?key=${encodeURIComponent(u.key)}`],
      ['GET', `/s3/multipart/${encodeURIComponent(u.uploadId)}?key=${encodeURIComponent(u.key)}`],
      ['POST', `/s3/multipart/${encodeURIComponent(u.uploadId)}/complete?key=${encodeURIComponent(u.key)}`],
      ['DELETE', `/s3/multipart/${encodeURIComponent(u.uploadId)}?key=${encodeURIComponent(u.key)}`],
    ] as const;

  const send = (method: string, path: string, userId: string | undefined) =>
    api(path, userId, { method, ...(method === 'POST' ? { json: { parts: [{ PartNumber: 1, ETag: 'e' }] } } : {}) });

  it("someone else's upload id is 404 on every call, and nothing changes", async () => {
    for (const [method, path] of calls(up)) {
      const res = await send(method, path, intruder);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await errorCode(res)).toBe('not_found');
    }
    const { uploads: rows } = await rowsOf(up.assetId);
    expect(rows[0]!.status).toBe('active');
    expect(await storage.listParts(config.S3_BUCKET_RAW, up.key, up.uploadId)).toHaveLength(1);
  });

  it('the right upload id with another key, an unknown id, or no key is 404 for the owner too', async () => {
    const otherKey = `${crypto.randomUUID()}/original`;
    for (const u of [
      { uploadId: up.uploadId, key: otherKey },
      { uploadId: 'deadbeef', key: up.key },
      { uploadId: up.uploadId, key: '' },
    ]) {
      for (const [method, path] of calls(u)) expect((await send(method, path, owner)).status, `${method} ${path}`).toBe(404);
    }
  });

  it('every call needs a signed-in caller (401)', async () => {
    for (const [method, path] of calls(up)) expect((await send(method, path, undefined)).status).toBe(401);
    expect((await api('/s3/multipart', undefined, { json: { filename: 'a', type: 'a/b', metadata: { size: 1 } } })).status).toBe(401);
    expect(
      (
        await api('/s3/multipart', undefined, {
          json: { filename: 'a', type: 'a/b', metadata: { size: 1 } },
          headers: { authorization: 'Bearer nope' },
        })
      ).status,
    ).toBe(401);
  });
});

describe('what complete verifies', () => {
  it('a size other than the declared one fails the asset with the reason, aborts the S3 upload and stores nothing', async () => {
    const declared = 6 * MiB;
    const up = await startMultipart(owner, declared);
    const e1 = await uploadPart(owner, up, 1, bytesOf(5 * MiB));
    const e2 = await uploadPart(owner, up, 2, bytesOf(2 * MiB));
    const res = await completeUpload(owner, up, [
      { PartNumber: 1, ETag: e1 },
      { PartNumber: 2, ETag: e2 },
    ]);
    expect(res.status).toBe(400);
    const reason = `size mismatch: the parts hold ${7 * MiB} bytes, ${declared} were declared`;
    expect(((await res.json()) as { error: { details: unknown } }).error.details).toEqual({
      assetId: up.assetId,
      status: 'failed',
      reason,
    });
    const { asset, uploads: rows } = await rowsOf(up.assetId);
    expect(asset).toMatchObject({ status: 'failed', statusReason: reason, deletedAt: null });
    expect(rows[0]!.status).toBe('aborted');
    expect(await objectBytes(up.key)).toBeNull();
    await expect(storage.listParts(config.S3_BUCKET_RAW, up.key, up.uploadId)).rejects.toMatchObject({ status: 404 });
    const status = await json<{ status: string; reason: string }>(await api(`/api/assets/${up.assetId}/status`, owner), 200);
    expect(status).toMatchObject({ status: 'failed', reason });
  });

  it('fewer bytes than declared (a part never sent) fails the same way', async () => {
    const up = await startMultipart(owner, 11 * MiB);
    const e1 = await uploadPart(owner, up, 1, bytesOf(5 * MiB));
    const e2 = await uploadPart(owner, up, 2, bytesOf(5 * MiB));
    const res = await completeUpload(owner, up, [
      { PartNumber: 1, ETag: e1 },
      { PartNumber: 2, ETag: e2 },
    ]);
    expect(res.status).toBe(400);
    expect((await rowsOf(up.assetId)).asset).toMatchObject({
      status: 'failed',
      statusReason: `size mismatch: the parts hold ${10 * MiB} bytes, ${11 * MiB} were declared`,
    });
  });

  it('a parts list that is not what S3 holds is 409 and the upload stays open; the right list completes', async () => {
    const up = await startMultipart(owner, 6 * MiB);
    const e1 = await uploadPart(owner, up, 1, bytesOf(5 * MiB, 5));
    const e2 = await uploadPart(owner, up, 2, bytesOf(MiB, 6));
    for (const parts of [
      [{ PartNumber: 1, ETag: e1 }],
      [
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 2, ETag: '"0123456789abcdef0123456789abcdef"' },
      ],
      [
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 2, ETag: e2 },
        { PartNumber: 3, ETag: e2 },
      ],
    ]) {
      const res = await completeUpload(owner, up, parts);
      expect(res.status).toBe(409);
    }
    expect(
      (
        await completeUpload(owner, up, [
          { PartNumber: 1, ETag: e1 },
          { PartNumber: 1, ETag: e1 },
        ])
      ).status,
    ).toBe(400);
    expect((await rowsOf(up.assetId)).uploads[0]!.status).toBe('active');
    await json(
      await completeUpload(owner, up, [
        { PartNumber: 1, ETag: e1 },
        { PartNumber: 2, ETag: e2 },
      ]),
      200,
    );
  });

  it('a part under 5 MiB that is not the last is refused (S3 would), the upload stays open', async () => {
    const up = await startMultipart(owner, 6 * MiB);
    const e1 = await uploadPart(owner, up, 1, bytesOf(MiB));
    const e2 = await uploadPart(owner, up, 2, bytesOf(5 * MiB));
    const res = await completeUpload(owner, up, [
      { PartNumber: 1, ETag: e1 },
      { PartNumber: 2, ETag: e2 },
    ]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: unknown } }).error.details).toEqual({ tooSmall: [1] });
    expect((await rowsOf(up.assetId)).uploads[0]!.status).toBe('active');
    await abortUpload(owner, up);
  });
});
