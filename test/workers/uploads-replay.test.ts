/**
 * Replaying an upload over a finished original, at every layer the edge
 * hands out: the presigned PUT (S3 refuses it: If-None-Match: * is signed
 * in), the POST form Uppy uses (S3 has no such condition for POST: it stores
 * the replay, and the edge then refuses to serve bytes the pipeline did not
 * check), and the multipart complete (create-only, refused once an original
 * exists). The asset rows stand for what the pipeline records (`ready`, the
 * ingested ETag); test/node/uploads-replay.test.ts runs the same with the
 * real pipeline.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { assets, shareLinks } from '../../shared/db/schema.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { signMediaToken, signShareToken } from '../../shared/tokens/index.ts';
import { config, createUser, keys, party, storage, withDb } from './support/fixtures.ts';
import { api, bytesOf, completeUpload, errorCode, json, MiB, rowsOf, sameBytes, startMultipart, uploadPart } from './support/uploads.ts';

let owner: string;

beforeAll(async () => {
  owner = await withDb((db) => createUser(db, 'replayer'));
});

const stored = async (assetId: string) => {
  const res = await storage.get(config.S3_BUCKET_RAW, originalKey(assetId));
  return res ? new Uint8Array(await res.arrayBuffer()) : null;
};

/** What ingest leaves behind: the asset ready, with the ETag of the object it checked. */
async function markIngested(assetId: string): Promise<string> {
  const head = await storage.head(config.S3_BUCKET_RAW, originalKey(assetId));
  const etag = head!.etag.replaceAll('"', '');
  await withDb((db) => db.update(assets).set({ status: 'ready', ingestedEtag: etag }).where(eq(assets.id, assetId)));
  return etag;
}

const original = (assetId: string) => api(`/m/${assetId}/original`, owner);
const withToken = async (assetId: string) =>
  api(`/m/${assetId}/original?t=${await signMediaToken(await keys(), { ...party, assetId, permission: 'download' })}`, undefined);

describe('the presigned PUT', () => {
  it('signs If-None-Match: * and names it in `headers`; replayed after ingest, S3 answers 412 and the original is unchanged', async () => {
    const first = bytesOf(70_000, 1);
    const start = await json<{ assetId: string; url: string; headers: Record<string, string> }>(
      await api('/api/uploads', owner, { json: { filename: 'a.bin', size: first.length, contentType: 'application/octet-stream' } }),
      201,
    );
    expect(start.headers['if-none-match']).toBe('*');
    expect(new URL(start.url).searchParams.get('X-Amz-SignedHeaders')!.split(';')).toContain('if-none-match');
    expect((await fetch(start.url, { method: 'PUT', headers: start.headers, body: first })).status).toBe(200);
    await markIngested(start.assetId);

    const replay = await fetch(start.url, { method: 'PUT', headers: start.headers, body: bytesOf(70_000, 2) });
    expect(replay.status).toBe(412);
    expect(await replay.text()).toContain('<Code>PreconditionFailed</Code>');
    // Without the header the signature no longer matches: the condition cannot be dropped.
    const { 'if-none-match': _, ...without } = start.headers;
    const dropped = await fetch(start.url, { method: 'PUT', headers: without, body: bytesOf(70_000, 3) });
    expect(dropped.status).toBe(403);
    expect(await dropped.text()).toContain('SignatureDoesNotMatch');
    expect(sameBytes(await stored(start.assetId), first)).toBe(true);
    expect(sameBytes(new Uint8Array(await (await original(start.assetId)).arrayBuffer()), first)).toBe(true);
    expect((await withToken(start.assetId)).status).toBe(200);
    // An asset ingested before ETags were recorded has nothing to compare with: served as before.
    await withDb((db) => db.update(assets).set({ ingestedEtag: null }).where(eq(assets.id, start.assetId)));
    expect((await original(start.assetId)).status).toBe(200);
  });
});

describe('the POST form (Uppy)', () => {
  interface PostStart {
    assetId: string;
    url: string;
    fields: Record<string, string>;
  }
  const post = (start: PostStart, file: Uint8Array) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(start.fields)) form.set(k, v);
    form.set('file', new File([file as Uint8Array<ArrayBuffer>], 'f.txt', { type: 'text/plain' }));
    return fetch(start.url, { method: 'POST', body: form });
  };

  it('a replay is stored by S3 (POST has no create-only condition) but its bytes are never served: 403 by Bearer, token and share link', async () => {
    const first = bytesOf(4096, 5);
    const replayed = bytesOf(4096, 6);
    const start = await json<PostStart>(
      await api(`/s3/params?filename=n.txt&type=text%2Fplain&metadata%5Bsize%5D=${first.length}`, owner),
      200,
    );
    expect((await post(start, first)).status).toBe(204);
    await markIngested(start.assetId);
    const [linkRow] = await withDb((db) =>
      db
        .insert(shareLinks)
        .values({
          resourceType: 'asset',
          resourceId: start.assetId,
          createdBy: owner,
          permission: 'download',
          expiresAt: new Date(Date.now() + 3_600_000),
        })
        .returning(),
    );
    const share = await signShareToken(await keys(), {
      ...party,
      linkId: linkRow!.id,
      resource: { type: 'asset', id: start.assetId },
      permission: 'download',
      expiresAt: linkRow!.expiresAt,
    });
    const before = await original(start.assetId);
    expect(before.status).toBe(200);
    expect(sameBytes(new Uint8Array(await before.arrayBuffer()), first)).toBe(true);
    expect((await withToken(start.assetId)).status).toBe(200);
    expect((await api(`/s/${share}/original`, undefined)).status).toBe(200);

    // The same form again, within its five minutes, with other bytes of the same length and type.
    expect((await post(start, replayed)).status).toBe(204);
    expect(sameBytes(await stored(start.assetId), replayed)).toBe(true);
    for (const res of [await original(start.assetId), await withToken(start.assetId), await api(`/s/${share}/original`, undefined)]) {
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe('forbidden');
    }
    const head = await api(`/m/${start.assetId}/original`, owner, { method: 'HEAD' });
    expect(head.status).toBe(403);
  });
});

describe('the multipart complete', () => {
  it('does not put an upload over an original that is already stored: 409, the stored bytes kept, the S3 upload dropped', async () => {
    const part = bytesOf(MiB, 11);
    const up = await startMultipart(owner, part.length);
    const etag = await uploadPart(owner, up, 1, part);
    // An earlier write (a complete that won a race, a write with the owner's credentials) holds the key.
    const earlier = bytesOf(MiB, 12);
    await storage.put(config.S3_BUCKET_RAW, up.key, earlier, { contentLength: earlier.length });

    const res = await completeUpload(owner, up, [{ PartNumber: 1, ETag: etag }]);
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe('conflict');
    expect(sameBytes(await stored(up.assetId), earlier)).toBe(true);
    await expect(storage.listParts(config.S3_BUCKET_RAW, up.key, up.uploadId)).rejects.toMatchObject({ status: 404 });
    // S3 has dropped its parts, and the edge signs no more part URLs for it (409: completed).
    expect((await api(`/s3/multipart/${up.uploadId}/1?key=${encodeURIComponent(up.key)}`, owner)).status).toBe(409);
    expect((await rowsOf(up.assetId)).uploads[0]).toMatchObject({ status: 'completed' });
    // Replayed, it is the completed upload's answer again; nothing is written.
    expect((await completeUpload(owner, up, [{ PartNumber: 1, ETag: etag }])).status).toBe(200);
    expect(sameBytes(await stored(up.assetId), earlier)).toBe(true);
  });

  it('is refused before S3 is asked once the asset has left pending (the pipeline saw an original)', async () => {
    const part = bytesOf(MiB, 13);
    const up = await startMultipart(owner, part.length);
    const etag = await uploadPart(owner, up, 1, part);
    await withDb((db) => db.update(assets).set({ status: 'ready' }).where(eq(assets.id, up.assetId)));
    const res = await completeUpload(owner, up, [{ PartNumber: 1, ETag: etag }]);
    expect(res.status).toBe(409);
    expect(await storage.head(config.S3_BUCKET_RAW, up.key)).toBeNull();
    expect((await rowsOf(up.assetId)).asset!.status).toBe('ready');
  });
});
