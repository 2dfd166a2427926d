/**
 * ZIP downloads through the edge in workerd, against the real S3 server and
 * Postgres: what a caller gets (files they may download, the rest named in
 * MANIFEST.txt, nothing they cannot see), signed URLs that die with the
 * session or the access, link caps counted per file, Range resume, and the
 * refusals. Archives are read by an independent reader (support/zip-reader.ts);
 * foreign readers check the encoder in test/node/zip-readers.test.ts.
 */
import { SELF } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { grants } from '../../shared/db/schema.ts';
import { signMediaToken } from '../../shared/tokens/index.ts';
import { keys, party } from './support/fixtures.ts';
import { downloadCount, makeLink, PASSWORD_HASH, unlockFor } from './support/share-links.ts';
import { api, expectStatus, ORIGIN } from './support/library-world.ts';
import { readZip } from './support/zip-reader.ts';
import { collectionOf, createUser, derivativeOf, grant, type StoredAsset, storedAsset, withDb } from './support/zip-world.ts';

let owner: string;
let other: string;
let downloader: string;
let viewer: string;
let a: StoredAsset;
let b: StoredAsset;
let curated: StoredAsset;
let viewOnly: StoredAsset;
let album: string;

beforeAll(async () => {
  const made = await withDb(async (db) =>
    Promise.all(['zip-owner', 'zip-other', 'zip-downloader', 'zip-viewer'].map((n) => createUser(db, n))),
  );
  [owner, other, downloader, viewer] = made as [string, string, string, string];
  a = await storedAsset(owner, 'Été.jpg', 70_000);
  b = await storedAsset(owner, 'Été.jpg', 1234); // same name: "Été (2).jpg"
  curated = await storedAsset(other, 'secret.bin', 500); // someone else's, put here by the owner: shares nothing
  viewOnly = await storedAsset(other, 'look-only.bin', 600);
  await grant('asset', curated.id, owner, 'view', other);
  await grant('asset', viewOnly.id, owner, 'view', other);
  await grant('asset', viewOnly.id, downloader, 'view', other); // the downloader may view it, not download it
  album = await collectionOf(owner, 'Summer / 2024', [
    { assetId: a.id, addedBy: owner },
    { assetId: curated.id, addedBy: owner },
    { assetId: b.id, addedBy: owner },
    { assetId: viewOnly.id, addedBy: owner },
  ]);
  await grant('collection', album, downloader, 'download', owner);
  await grant('collection', album, viewer, 'view', owner);
});

const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());
const text = (u: Uint8Array) => new TextDecoder().decode(u);

async function signedUrl(as: string, body: unknown): Promise<string> {
  const res = await api('POST', '/api/downloads', { as, json: body });
  const out = await expectStatus<{ url: string; expiresAt: string }>(res, 201);
  expect(Date.parse(out.expiresAt)).toBeGreaterThan(Date.now());
  return out.url;
}

const open = (url: string, headers: Record<string, string> = {}, method = 'GET') => SELF.fetch(`${ORIGIN}${url}`, { method, headers });

describe('a collection as one archive', () => {
  it("the owner gets their files (unique safe names, exact Content-Length, asset times); others' items they only view are named", async () => {
    const url = await signedUrl(owner, { collectionId: album });
    const res = await open(url); // no Authorization header
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; .*filename\*=UTF-8''Summer%20%2F%202024\.zip|Summer/);
    const zip = await bytes(res);
    expect(zip.byteLength).toBe(Number(res.headers.get('content-length')));
    const { entries } = readZip(zip);
    expect(entries.map((e) => e.name)).toEqual(['Été.jpg', 'Été (2).jpg', 'MANIFEST.txt']);
    expect(entries[0]!.data).toEqual(a.data);
    expect(entries[1]!.data).toEqual(b.data);
    expect(entries.every((e) => (e.flags & 0x0808) === 0x0808)).toBe(true);
    const created = await withDb((db) =>
      db.execute(sql`select floor(extract(epoch from created_at))::bigint as t from assets where id = ${a.id}`),
    );
    expect(entries[0]!.mtimeUnix).toBe(Number((created as unknown as { rows: { t: string }[] }).rows[0]!.t));
    const manifest = text(entries[2]!.data);
    expect(manifest).toMatch(/^Archive: Summer \/ 2024\r\nFiles: originals\r\nIncluded: 2\r\nLeft out: 2\r\n/);
    expect(manifest).toContain('- secret.bin: you may view it but not download it');
  });

  it('a download grant gets what it may download; view-only items are named, curated items are not even named', async () => {
    const res = await open(await signedUrl(downloader, { collectionId: album }));
    const { entries } = readZip(await bytes(res));
    expect(entries.map((e) => e.name)).toEqual(['Été.jpg', 'Été (2).jpg', 'MANIFEST.txt']);
    const manifest = text(entries[2]!.data);
    expect(manifest).toMatch(/- look-only\.bin: you may view it but not download it/);
    expect(manifest).not.toMatch(/secret/);
    expect(entries.some((e) => e.data.byteLength === curated.data.byteLength)).toBe(false);
  });

  it('a view grant yields no bytes: 403 when asking and through the Bearer route', async () => {
    const res = await api('POST', '/api/downloads', { as: viewer, json: { collectionId: album } });
    expect((await expectStatus(res, 403)).error.code).toBe('forbidden');
    const direct = await api('GET', `/api/collections/${album}/download.zip`, { as: viewer });
    await expectStatus(direct, 403);
  });

  it('strangers and anonymous callers: 404 and 401', async () => {
    const stranger = await withDb((db) => createUser(db, 'zip-stranger'));
    await expectStatus(await api('POST', '/api/downloads', { as: stranger, json: { collectionId: album } }), 404);
    await expectStatus(await api('POST', '/api/downloads', { json: { collectionId: album } }), 401);
    await expectStatus(await api('GET', `/api/collections/${album}/download.zip`), 401);
  });

  it('the Bearer route serves the same archive, and HEAD has its length without a body', async () => {
    const res = await api('GET', `/api/collections/${album}/download.zip`, { as: owner });
    const zip = await bytes(res);
    const head = await api('HEAD', `/api/collections/${album}/download.zip`, { as: owner });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(zip.byteLength);
    expect(head.headers.get('etag')).toBe(res.headers.get('etag'));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('Range resumes the same archive (If-Range), and a stale If-Range gets the whole of it', async () => {
    const url = await signedUrl(owner, { collectionId: album });
    const full = await open(url);
    const zip = await bytes(full);
    const etag = full.headers.get('etag')!;
    const part = await open(url, { range: 'bytes=1000-', 'if-range': etag });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-${zip.byteLength - 1}/${zip.byteLength}`);
    expect(await bytes(part)).toEqual(zip.subarray(1000));
    const stale = await open(url, { range: 'bytes=1000-', 'if-range': '"zip-other"' });
    expect(stale.status).toBe(200);
    expect((await bytes(stale)).byteLength).toBe(zip.byteLength);
    const outside = await open(url, { range: `bytes=${zip.byteLength}-` });
    expect(outside.status).toBe(416);
  });

  it('Zip64 on request: every entry and the end records', async () => {
    const res = await open(await signedUrl(owner, { collectionId: album, zip64: 'always' }));
    const { entries, zip64 } = readZip(await bytes(res));
    expect(zip64).toBe(true);
    expect(entries[0]!.data).toEqual(a.data);
  });
});

describe('a selection', () => {
  it('the assets named, in order; ids the caller cannot see are listed by id only', async () => {
    const ghost = crypto.randomUUID();
    const res = await open(await signedUrl(downloader, { assetIds: [b.id, ghost, a.id, viewOnly.id, b.id] }));
    const { entries } = readZip(await bytes(res));
    expect(entries.map((e) => e.name)).toEqual(['Été.jpg', 'Été (2).jpg', 'MANIFEST.txt']);
    expect(entries[0]!.data).toEqual(b.data);
    const manifest = text(entries[2]!.data);
    expect(manifest).toContain(`- ${ghost}: no such asset, or not visible to you`);
    expect(manifest).toContain('- look-only.bin: you may view it but not download it');
  });

  it('derivatives only when asked: variant= picks one stored file per asset', async () => {
    const webp = new TextEncoder().encode('RIFF....WEBPthumb');
    await derivativeOf(a.id, 'w150.webp', webp);
    const res = await open(await signedUrl(owner, { assetIds: [a.id, b.id], variant: 'w150.webp' }));
    const { entries } = readZip(await bytes(res));
    expect(entries.map((e) => e.name)).toEqual(['Été.w150.webp', 'MANIFEST.txt']);
    expect(entries[0]!.data).toEqual(webp);
    expect(text(entries[1]!.data)).toContain('- Été.jpg: has no w150.webp');
  });
});

describe('signed URLs re-check access when opened', () => {
  it('a revoked grant: what the URL opens shrinks at once', async () => {
    const user = await withDb((db) => createUser(db, 'zip-revoked'));
    const g = await grant('collection', album, user, 'download', owner);
    const url = await signedUrl(user, { collectionId: album });
    await withDb((db) => db.delete(grants).where(sql`${grants.id} = ${g}`));
    const res = await open(url);
    expect(res.status).toBe(404);
  });

  it('a logged-out session: 401 session_ended', async () => {
    const user = await withDb((db) => createUser(db, 'zip-logout'));
    const url = await signedUrl(user, { assetIds: [(await storedAsset(user, 'mine.bin', 10)).id] });
    expect((await open(url)).status).toBe(200);
    await withDb((db) => db.execute(sql`update refresh_tokens set revoked_at = now() where user_id = ${user}`));
    const res = await open(url);
    expect((await expectStatus(res, 401)).error.code).toBe('session_ended');
  });

  it('a tampered, foreign-typed or garbage token: 401 with one generic message', async () => {
    const url = await signedUrl(owner, { collectionId: album });
    const token = url.split('/').pop()!;
    const flipped = `${token.slice(0, -3)}${token.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
    const media = await signMediaToken(await keys(), { ...party, assetId: a.id, permission: 'download' });
    for (const t of [flipped, media, 'garbage', 'a.b.c']) {
      const res = await open(`/api/downloads/${t}`);
      expect((await expectStatus(res, 401)).error.code).toBe('unauthorized');
    }
  });
});

describe('bad input', () => {
  it.each([
    ['neither', {}],
    ['both', { collectionId: crypto.randomUUID(), assetIds: [crypto.randomUUID()] }],
    ['empty', { assetIds: [] }],
    ['too many', { assetIds: Array.from({ length: 101 }, () => crypto.randomUUID()) }],
    ['not a uuid', { assetIds: ['not-a-uuid'] }],
    ['traversal', { collectionId: crypto.randomUUID(), variant: '../original' }],
    ['a folder', { collectionId: crypto.randomUUID(), variant: 'hls/master.m3u8' }],
    ['a playlist', { collectionId: crypto.randomUUID(), variant: 'master.m3u8' }],
    ['zip64', { collectionId: crypto.randomUUID(), zip64: 'sometimes' }],
    ['unknown field', { collectionId: crypto.randomUUID(), extra: 1 }],
  ])('%s: 400', async (_label, json) => {
    const res = await api('POST', '/api/downloads', { as: owner, json });
    expect((await expectStatus(res, 400)).error.code).toBe('validation_failed');
  });

  it('a collection that does not exist: 404', async () => {
    await expectStatus(await api('POST', '/api/downloads', { as: owner, json: { collectionId: crypto.randomUUID() } }), 404);
  });

  it('an original replaced after ingest checked it aborts the stream rather than send unchecked bytes', async () => {
    const x = await storedAsset(owner, 'replaced.bin', 100, { ingestedEtag: '"not-these-bytes"' });
    const res = await open(await signedUrl(owner, { assetIds: [x.id] }));
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
  });
});

describe('a collection share link with download permission', () => {
  const link = (fields: Record<string, unknown> = {}) =>
    makeLink({ resourceType: 'collection', resourceId: album, createdBy: owner, permission: 'download', ...fields });
  const zipOf = (token: string, headers: Record<string, string> = {}, method = 'GET') => open(`/s/${token}/download.zip`, headers, method);

  it('holds the items the link reaches; each file counts as one download', async () => {
    const { id, token } = await link();
    const res = await zipOf(token);
    expect(res.status).toBe(200);
    const { entries } = readZip(await bytes(res));
    // The items other people own were the owner's curation: the link does not reach them, nor name them.
    expect(entries.map((e) => e.name)).toEqual(['Été.jpg', 'Été (2).jpg', 'MANIFEST.txt']);
    expect(text(entries[2]!.data)).not.toMatch(/secret|look-only/);
    expect(await downloadCount(id)).toBe(2);
  });

  it('a cap smaller than the archive: the files past it are left out and named; then 403', async () => {
    const { id, token } = await link({ maxDownloads: 3 });
    readZip(await bytes(await zipOf(token)));
    expect(await downloadCount(id)).toBe(2);
    const second = readZip(await bytes(await zipOf(token))).entries;
    expect(second.map((e) => e.name)).toEqual(['Été.jpg', 'MANIFEST.txt']);
    expect(text(second[1]!.data)).toContain("- Été.jpg: the link's download limit was reached");
    expect(await downloadCount(id)).toBe(3);
    const third = await zipOf(token);
    expect((await expectStatus(third, 403)).error.message).toMatch(/download limit/);
    expect(await downloadCount(id)).toBe(3);
  });

  it('two archives racing for the last downloads never pass the cap', async () => {
    const { id, token } = await link({ maxDownloads: 3 });
    const answers = await Promise.all([zipOf(token), zipOf(token), zipOf(token)]);
    const files = await Promise.all(
      answers.map(async (r) => (r.status === 200 ? readZip(await bytes(r)).entries.length - 1 : (await r.arrayBuffer(), 0))),
    );
    expect(files.reduce((x, y) => x + y, 0)).toBe(3);
    expect(await downloadCount(id)).toBe(3);
  });

  it('a resume (Range after byte 0, same archive) continues without counting; HEAD never counts', async () => {
    const { id, token } = await link();
    const full = await zipOf(token);
    const zip = await bytes(full);
    expect(await downloadCount(id)).toBe(2);
    const part = await zipOf(token, { range: 'bytes=500-', 'if-range': full.headers.get('etag')! });
    expect(part.status).toBe(206);
    expect(await bytes(part)).toEqual(zip.subarray(500));
    const head = await zipOf(token, {}, 'HEAD');
    expect(Number(head.headers.get('content-length'))).toBe(zip.byteLength);
    expect(await downloadCount(id)).toBe(2);
    const fromZero = await zipOf(token, { range: 'bytes=0-99' });
    expect(fromZero.status).toBe(206);
    await fromZero.arrayBuffer();
    expect(await downloadCount(id)).toBe(4);
  });

  it('a view link, a link without the download switch, an asset link: no archive', async () => {
    for (const fields of [{ permission: 'view' }, { allowDownload: false }]) {
      const { id, token } = await link(fields);
      expect((await expectStatus(await zipOf(token), 403)).error.code).toBe('forbidden');
      expect(await downloadCount(id)).toBe(0);
    }
    const assetLink = await makeLink({ resourceId: a.id, createdBy: owner, permission: 'download' });
    await expectStatus(await zipOf(assetLink.token), 404);
  });

  it('revoked or expired: 410; not ours: 401; password without unlock: 401 password_required, with unlock: 200', async () => {
    const revoked = await link({ revokedAt: new Date() });
    await expectStatus(await zipOf(revoked.token), 410);
    await expectStatus(await zipOf('not-a-token'), 401);
    const locked = await link({ passwordHash: PASSWORD_HASH });
    expect((await expectStatus(await zipOf(locked.token), 401)).error.code).toBe('password_required');
    expect(await downloadCount(locked.id)).toBe(0);
    const u = await unlockFor(locked.id, PASSWORD_HASH);
    const ok = await open(`/s/${locked.token}/download.zip?u=${encodeURIComponent(u)}`);
    expect(ok.status).toBe(200);
    readZip(await bytes(ok));
  });

  it('a link made by someone who may no longer share the collection gives nothing', async () => {
    const manager = await withDb((db) => createUser(db, 'zip-manager'));
    const g = await grant('collection', album, manager, 'manage', owner);
    const { token } = await makeLink({ resourceType: 'collection', resourceId: album, createdBy: manager, permission: 'download' });
    expect((await zipOf(token)).status).toBe(200);
    await withDb((db) => db.delete(grants).where(sql`${grants.id} = ${g}`));
    await expectStatus(await zipOf(token), 410);
  });
});
