/**
 * Uploading through an upload link against workerd, the local S3 (SigV4
 * checked) and Postgres: the PUT path and the Companion multipart path
 * driven call by call as a stock `@uppy/aws-s3` does (5 MiB chunks), caps
 * reserved before signing and signed into every URL, revocation, expiry and
 * the creator losing manage mid-upload, passwords, bad input and hostile ids.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assets, grants } from '../../shared/db/schema.ts';
import { config, createUser, storage, withDb } from './support/fixtures.ts';
import { api, bytesOf, errorCode, json, MiB, rowsOf, startMultipart } from './support/uploads.ts';
import { dropRows, holder, linkCounters, makeCollection, makeDropLink, putDrop, startDrop } from './support/drops.ts';

let owner: string;
let manager: string;
let album: string;

beforeAll(async () => {
  [owner, manager] = await withDb((db) => Promise.all([createUser(db, 'dropper-owner'), createUser(db, 'dropper-manager')]));
  album = await makeCollection(owner, 'Client footage');
});

interface Started {
  key: string;
  uploadId: string;
  assetId: string;
  partSize: number;
}
const q = (key: string) => `?key=${encodeURIComponent(key)}`;

/** What Uppy does for one part: ask the edge for the URL, PUT the chunk, keep the ETag. */
async function sendPart(token: string, up: Started, n: number, bytes: Uint8Array, headers: Record<string, string> = {}) {
  const res = await holder(`/s/${token}/s3/multipart/${up.uploadId}/${n}${q(up.key)}`, { headers });
  const signed = await json<{ url: string; expires: number }>(res, 200);
  const put = await fetch(signed.url, { method: 'PUT', body: bytes });
  return { status: put.status, etag: put.headers.get('etag') };
}

const complete = (token: string, up: Started, parts: { PartNumber: number; ETag: string }[], headers: Record<string, string> = {}) =>
  holder(`/s/${token}/s3/multipart/${up.uploadId}/complete${q(up.key)}`, { json: { parts }, headers });

describe('the presigned PUT', () => {
  it('stores the bytes as an asset of the creator, in the collection, stamped with the uploader and the link', async () => {
    const link = await makeDropLink(owner, album, { dropOnly: true });
    const bytes = bytesOf(2048, 7);
    const started = await json<{ assetId: string; url: string; headers: Record<string, string> }>(
      await putDrop(link.token, bytes.length, { uploaderName: '  Zoë  ', note: 'From the ceremony\nrow 3' }),
      201,
    );
    const put = await fetch(started.url, { method: 'PUT', headers: started.headers, body: bytes });
    expect(put.status).toBe(200);
    const { asset } = await rowsOf(started.assetId);
    expect(asset).toMatchObject({ ownerId: owner, size: 2048, filename: 'photo.jpg' });
    const { stamp, items } = await dropRows(started.assetId);
    expect(stamp).toMatchObject({ linkId: link.id, uploaderName: 'Zoë', note: 'From the ceremony\nrow 3' });
    expect(items).toEqual([expect.objectContaining({ collectionId: album, addedBy: owner })]);
    expect(await linkCounters(link.id)).toEqual({ files: 1, bytes: 2048 });
  });

  it('the signed length is the reserved size: more (or fewer) bytes are refused by S3', async () => {
    const link = await makeDropLink(owner, album, { maxBytes: 1000 });
    const started = await json<{ url: string; headers: Record<string, string> }>(await putDrop(link.token, 1000), 201);
    const big = await fetch(started.url, { method: 'PUT', headers: { ...started.headers, 'content-length': '5000' }, body: bytesOf(5000) });
    expect(big.status).toBe(403);
    const small = await fetch(started.url, { method: 'PUT', headers: { ...started.headers, 'content-length': '10' }, body: bytesOf(10) });
    expect(small.status).toBe(403);
  });

  it('a POST policy (Uppy’s single request) pins the exact length too', async () => {
    const link = await makeDropLink(owner, album, {});
    const res = await holder(`/s/${link.token}/s3/params?filename=a.jpg&type=image/jpeg&metadata[size]=100&metadata[uploaderName]=Ann`);
    const p = await json<{ fields: Record<string, string>; assetId: string }>(res, 200);
    const policy = JSON.parse(atob(p.fields.policy!)) as { conditions: unknown[] };
    expect(policy.conditions).toContainEqual(['content-length-range', 100, 100]);
    expect((await dropRows(p.assetId)).stamp).toMatchObject({ uploaderName: 'Ann' });
  });
});

describe('caps', () => {
  it('file size: 413 with the cap, nothing reserved or created', async () => {
    const link = await makeDropLink(owner, album, { maxFileSize: 1000 });
    const res = await putDrop(link.token, 1001);
    expect(res.status).toBe(413);
    expect(await linkCounters(link.id)).toEqual({ files: 0, bytes: 0 });
    expect((await startDrop(link.token, 1001)).status).toBe(413);
    await json(await putDrop(link.token, 1000), 201);
  });

  it('file count and total bytes: the start that would pass them is 403; a refused start reserves nothing', async () => {
    const files = await makeDropLink(owner, album, { maxFiles: 2 });
    await json(await putDrop(files.token, 10), 201);
    await json(await startDrop(files.token, 10), 200);
    const third = await putDrop(files.token, 10);
    expect(third.status).toBe(403);
    expect(await third.json()).toMatchObject({ error: { code: 'forbidden', details: { limit: 'files' } } });
    expect(await linkCounters(files.id)).toEqual({ files: 2, bytes: 20 });

    const bytes = await makeDropLink(owner, album, { maxBytes: 100 });
    await json(await putDrop(bytes.token, 60), 201);
    expect((await putDrop(bytes.token, 41)).status).toBe(403);
    await json(await putDrop(bytes.token, 40), 201);
    expect(await linkCounters(bytes.id)).toEqual({ files: 2, bytes: 100 });
  });

  it('racing starts for the last files: exactly the cap wins', async () => {
    const link = await makeDropLink(owner, album, { maxFiles: 3 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => putDrop(link.token, 10)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(3);
    expect(answers.filter((r) => r.status === 403)).toHaveLength(7);
    expect(await linkCounters(link.id)).toEqual({ files: 3, bytes: 30 });
  });

  it('kinds: an images link refuses a video (415) and takes an image', async () => {
    const link = await makeDropLink(owner, album, { kinds: 'images' });
    const res = await startDrop(link.token, 10, {}, 'video/mp4');
    expect(res.status).toBe(415);
    expect(await linkCounters(link.id)).toEqual({ files: 0, bytes: 0 });
    await json(await startDrop(link.token, 10, {}, 'image/png'), 200);
  });

  it('a cancelled multipart upload gives its reservation back', async () => {
    const link = await makeDropLink(owner, album, { maxFiles: 1 });
    const up = await json<Started>(await startDrop(link.token, 6 * MiB), 200);
    expect((await holder(`/s/${link.token}/s3/multipart/${up.uploadId}${q(up.key)}`, { method: 'DELETE' })).status).toBe(204);
    expect(await linkCounters(link.id)).toEqual({ files: 0, bytes: 0 });
    await json(await putDrop(link.token, 10), 201);
  });
});

describe('multipart, as a stock Uppy drives it', () => {
  it('5 MiB chunks: sign, PUT, list, complete; the asset is uploaded and filed', async () => {
    const link = await makeDropLink(owner, album, { dropOnly: true });
    const a = bytesOf(5 * MiB, 1);
    const b = bytesOf(MiB + 17, 2);
    const up = await json<Started>(await startDrop(link.token, a.length + b.length, { note: 'raw footage' }), 200);
    expect(up.partSize).toBe(5 * MiB);
    const p1 = await sendPart(link.token, up, 1, a);
    const p2 = await sendPart(link.token, up, 2, b);
    expect([p1.status, p2.status]).toEqual([200, 200]);
    const listed = await json<{ PartNumber: number; Size: number }[]>(
      await holder(`/s/${link.token}/s3/multipart/${up.uploadId}${q(up.key)}`),
      200,
    );
    expect(listed.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * MiB],
      [2, MiB + 17],
    ]);
    const done = await json<{ assetId: string; location: unknown }>(
      await complete(link.token, up, [
        { PartNumber: 1, ETag: p1.etag! },
        { PartNumber: 2, ETag: p2.etag! },
      ]),
      200,
    );
    expect(done.assetId).toBe(up.assetId);
    expect(done.location).toBeNull();
    const { asset } = await rowsOf(up.assetId);
    expect(asset).toMatchObject({ ownerId: owner, status: 'uploaded' });
    const head = await storage.head(config.S3_BUCKET_RAW, up.key);
    expect(head?.size).toBe(a.length + b.length);
  });

  it('every part URL signs its exact length: a longer or shorter part is refused by S3; no part past the last', async () => {
    const link = await makeDropLink(owner, album, {});
    const up = await json<Started>(await startDrop(link.token, 5 * MiB + 100), 200);
    expect((await sendPart(link.token, up, 2, bytesOf(101))).status).toBe(403);
    expect((await sendPart(link.token, up, 2, bytesOf(99))).status).toBe(403);
    expect((await sendPart(link.token, up, 2, bytesOf(100))).status).toBe(200);
    const past = await holder(`/s/${link.token}/s3/multipart/${up.uploadId}/3${q(up.key)}`);
    expect(past.status).toBe(400);
    expect((await holder(`/s/${link.token}/s3/multipart/${up.uploadId}/0${q(up.key)}`)).status).toBe(400);
  });

  it('upload ids of the app, of another link, or another key are 404 on every call', async () => {
    const link = await makeDropLink(owner, album, {});
    const other = await makeDropLink(owner, album, {});
    const mine = await json<Started>(await startDrop(link.token, 6 * MiB), 200);
    const theirs = await json<Started>(await startDrop(other.token, 6 * MiB), 200);
    const app = await startMultipart(owner, 6 * MiB);
    for (const [up, key] of [
      [theirs, theirs.key],
      [app, app.key],
      [mine, theirs.key],
    ] as const) {
      const base = `/s/${link.token}/s3/multipart/${up.uploadId}`;
      expect((await holder(`${base}/1${q(key)}`)).status).toBe(404);
      expect((await holder(`${base}${q(key)}`)).status).toBe(404);
      expect((await holder(`${base}/complete${q(key)}`, { json: { parts: [{ PartNumber: 1, ETag: 'x' }] } })).status).toBe(404);
      expect((await holder(`${base}${q(key)}`, { method: 'DELETE' })).status).toBe(404);
    }
    // The app's own upload is untouched.
    expect((await rowsOf(app.assetId)).uploads[0]?.status).toBe('active');
  });
});

describe('revocation, expiry and the creator’s right', () => {
  it('revoking stops new parts and refuses completion of an upload under way (410)', async () => {
    const link = await makeDropLink(owner, album, {});
    const up = await json<Started>(await startDrop(link.token, 5 * MiB + 10), 200);
    const p1 = await sendPart(link.token, up, 1, bytesOf(5 * MiB));
    expect((await api(`/api/share-links/${link.id}`, owner, { method: 'DELETE' })).status).toBe(204);
    expect((await holder(`/s/${link.token}/s3/multipart/${up.uploadId}/2${q(up.key)}`)).status).toBe(410);
    const done = await complete(link.token, up, [{ PartNumber: 1, ETag: p1.etag! }]);
    expect(done.status).toBe(410);
    expect((await rowsOf(up.assetId)).asset?.status).toBe('pending');
    expect((await putDrop(link.token, 10)).status).toBe(410);
    expect(await storage.head(config.S3_BUCKET_RAW, up.key)).toBeNull();
  });

  it('an expiry moved into the past does the same', async () => {
    const link = await makeDropLink(owner, album, {});
    const up = await json<Started>(await startDrop(link.token, 100), 200);
    const p1 = await sendPart(link.token, up, 1, bytesOf(100));
    const past = new Date(Date.now() - 1000).toISOString();
    await json(await api(`/api/share-links/${link.id}`, owner, { method: 'PATCH', json: { expiresAt: past } }), 200);
    expect((await complete(link.token, up, [{ PartNumber: 1, ETag: p1.etag! }])).status).toBe(410);
    expect((await startDrop(link.token, 100)).status).toBe(410);
  });

  it('a manager’s link stops the moment they lose manage, mid-upload included; files were theirs', async () => {
    await withDb((db) =>
      db.insert(grants).values({
        resourceType: 'collection',
        resourceId: album,
        principalType: 'user',
        principalId: manager,
        permission: 'manage',
        grantedBy: owner,
      }),
    );
    const link = await makeDropLink(manager, album, {});
    const first = await json<{ assetId: string }>(await putDrop(link.token, 10), 201);
    expect((await rowsOf(first.assetId)).asset?.ownerId).toBe(manager);
    const up = await json<Started>(await startDrop(link.token, 100), 200);
    const p1 = await sendPart(link.token, up, 1, bytesOf(100));
    await withDb((db) => db.delete(grants).where(and(eq(grants.resourceId, album), eq(grants.principalId, manager))));
    expect((await putDrop(link.token, 10)).status).toBe(410);
    expect((await holder(`/s/${link.token}/s3/multipart/${up.uploadId}/1${q(up.key)}`)).status).toBe(410);
    expect((await complete(link.token, up, [{ PartNumber: 1, ETag: p1.etag! }])).status).toBe(410);
    expect((await holder(`/api/share/${link.token}`)).status).toBe(410);
  });

  it('a deleted collection ends the link (410)', async () => {
    const doomed = await makeCollection(owner, 'Doomed');
    const link = await makeDropLink(owner, doomed, { dropOnly: true });
    expect((await api(`/api/collections/${doomed}`, owner, { method: 'DELETE' })).status).toBe(204);
    expect((await putDrop(link.token, 10)).status).toBe(410);
  });
});

describe('passwords', () => {
  it('every call needs the unlock (401 password_required); the unlock header opens them', async () => {
    const link = await makeDropLink(owner, album, { dropOnly: true }, { password: 'open sesame!' });
    const locked = await putDrop(link.token, 10);
    expect(locked.status).toBe(401);
    expect(await errorCode(locked)).toBe('password_required');
    expect((await startDrop(link.token, 10)).status).toBe(401);
    expect((await holder(`/api/share/${link.token}/unlock`, { json: { password: 'wrong one!' } })).status).toBe(401);
    const { unlockToken } = await json<{ unlockToken: string }>(
      await holder(`/api/share/${link.token}/unlock`, { json: { password: 'open sesame!' } }),
      200,
    );
    const h = { 'x-share-unlock': unlockToken };
    await json(await putDrop(link.token, 10, {}, h), 201);
    const up = await json<Started>(await startDrop(link.token, 100, {}, 'image/jpeg', h), 200);
    expect((await holder(`/s/${link.token}/s3/multipart/${up.uploadId}/1${q(up.key)}`)).status).toBe(401);
    const p1 = await sendPart(link.token, up, 1, bytesOf(100), h);
    await json(await complete(link.token, up, [{ PartNumber: 1, ETag: p1.etag! }], h), 200);
  });
});

describe('bad input', () => {
  it.each([
    ['no uploader name', { uploaderName: undefined }],
    ['an empty name', { uploaderName: '   ' }],
    ['a bidi control in the name', { uploaderName: 'Ann\u202Egpj.exe' }],
    ['a long note', { note: 'x'.repeat(1001) }],
    ['a size of 0', { size: 0 }],
    ['a size over 5 GiB', { size: 5 * 1024 * MiB + 1 }],
    ['a collection id', { collectionId: '00000000-0000-4000-8000-000000000000' }],
    ['an unknown field', { owner: 'me' }],
  ])('PUT start refuses %s (400) and reserves nothing', async (_name, more) => {
    const link = await makeDropLink(owner, album, {});
    const res = await putDrop(link.token, 10, more);
    expect(res.status).toBe(400);
    expect(await linkCounters(link.id)).toEqual({ files: 0, bytes: 0 });
  });

  it('multipart start refuses a collection id, no name, or a body that is not JSON', async () => {
    const link = await makeDropLink(owner, album, {});
    expect((await startDrop(link.token, 10, { collectionId: album })).status).toBe(400);
    expect((await startDrop(link.token, 10, { uploaderName: '' })).status).toBe(400);
    const raw = await holder(`/s/${link.token}/s3/multipart`, { body: 'filename=x', headers: { 'content-type': 'text/plain' } });
    expect(raw.status).toBe(415);
    expect(await linkCounters(link.id)).toEqual({ files: 0, bytes: 0 });
  });

  it('a forged or foreign token is 401 with one generic message; an unknown upload id 404', async () => {
    const link = await makeDropLink(owner, album, {});
    for (const token of ['nope', `${link.token}x`, link.token.split('.').reverse().join('.')]) {
      const res = await putDrop(token, 10);
      expect(res.status).toBe(401);
      expect((await startDrop(token, 10)).status).toBe(401);
    }
    expect((await holder(`/s/${link.token}/s3/multipart/abc/1?key=x`)).status).toBe(404);
  });

  it('dropped assets are the creator’s: nothing in the owner’s library names another owner', async () => {
    const link = await makeDropLink(owner, album, {});
    const { assetId } = await json<{ assetId: string }>(await putDrop(link.token, 10), 201);
    const [row] = await withDb((db) => db.select({ ownerId: assets.ownerId }).from(assets).where(eq(assets.id, assetId)));
    expect(row?.ownerId).toBe(owner);
  });
});

describe('rate limits', () => {
  it('file starts per link, from all holders together: 429 with Retry-After past 120 a minute', async () => {
    const link = await makeDropLink(owner, album, {});
    let limited: Response | undefined;
    for (let i = 0; i < 125 && !limited; i++) {
      // Each from its own address; a bad body still counts (the limit is checked before the body is read).
      const res = await holder(`/s/${link.token}/s3/multipart`, { json: {} });
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(400);
    }
    expect(limited?.status).toBe(429);
    expect(limited?.headers.get('retry-after')).toBe('60');
    // Another link is not affected.
    const other = await makeDropLink(owner, album, {});
    await json(await putDrop(other.token, 10), 201);
  });
});
