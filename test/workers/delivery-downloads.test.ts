/**
 * Share-link download caps count what the edge sends, not what the Range
 * header looks like: every answer that carries the first byte (the whole
 * object, or a range from byte 0) counts once; HEAD, 304 and 416 never do;
 * HLS viewing is not a download. A property drives random Range headers at
 * the real edge and checks the counter against the bytes that came back.
 */
import { SELF } from 'cloudflare:test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAsset, createUser, patterned, putVariant, withDb } from './support/fixtures.ts';
import { downloadCount, makeLink } from './support/share-links.ts';

const LEN = 1000;
const data = patterned(LEN);
let owner: string;
let asset: string;

beforeAll(async () => {
  await withDb(async (db) => {
    owner = await createUser(db, 'capper');
    asset = await createAsset(db, owner, { filename: 'report.bin', detectedType: 'application/octet-stream', size: LEN });
  });
  await putVariant(asset, 'original', data, 'application/octet-stream');
  await putVariant(asset, 'hls/master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p.m3u8\n', 'application/vnd.apple.mpegurl');
  await putVariant(asset, 'hls/360p_00001.ts', 'segment', 'video/mp2t');
});

const downloadLink = (maxDownloads: number | null = null) =>
  makeLink({ resourceId: asset, createdBy: owner, permission: 'download', maxDownloads });
const get = (token: string, variant: string, headers: Record<string, string> = {}, method = 'GET') =>
  SELF.fetch(`http://edge.test/s/${token}/${variant}`, { method, headers });
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

describe('a cap of one', () => {
  // Each of these once gave the whole file without being counted.
  it.each(['bytes=-999999999', 'bytes=00-', 'bytes=1-,0-0', 'bytes=0-0,500-501', 'bytes=abc', 'bytes=0-,0-'])(
    '%s delivers byte 0, counts, and the next download is refused',
    async (range) => {
      const { id, token } = await downloadLink(1);
      const first = await get(token, 'original', { range });
      expect([200, 206]).toContain(first.status);
      expect((await bytesOf(first))[0]).toBe(data[0]);
      expect(await downloadCount(id)).toBe(1);
      const again = await get(token, 'original');
      expect(again.status).toBe(403);
      expect(await downloadCount(id)).toBe(1);
    },
  );

  it('two downloads racing for the last one: exactly one gets the bytes', async () => {
    const { id, token } = await downloadLink(1);
    const answers = await Promise.all([get(token, 'original'), get(token, 'original'), get(token, 'original', { range: 'bytes=0-' })]);
    const statuses = await Promise.all(answers.map(async (r) => (await r.arrayBuffer(), r.status)));
    expect(statuses.filter((s) => s === 200 || s === 206)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(2);
    expect(await downloadCount(id)).toBe(1);
  });
});

describe('what does not count', () => {
  it('ranges after byte 0 (a resume, a seek), HEAD, 304 and 416', async () => {
    const { id, token } = await downloadLink();
    expect((await get(token, 'original', { range: 'bytes=1-' })).status).toBe(206);
    expect((await get(token, 'original', { range: 'bytes=-10' })).status).toBe(206);
    expect((await get(token, 'original', { range: 'bytes=500-999' })).status).toBe(206);
    const head = await get(token, 'original', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect((await get(token, 'original', { range: 'bytes=0-' }, 'HEAD')).status).toBe(206);
    expect((await get(token, 'original', { 'if-none-match': head.headers.get('etag')! })).status).toBe(304);
    expect((await get(token, 'original', { range: 'bytes=5000-' })).status).toBe(416);
    expect(await downloadCount(id)).toBe(0);
  });

  it('watching through HLS (playlists, segments) is viewing; ?download=1 on a segment is a download', async () => {
    const { id, token } = await downloadLink(1);
    expect((await get(token, 'hls/master.m3u8')).status).toBe(200);
    expect((await get(token, 'hls/360p_00001.ts')).status).toBe(200);
    expect(await downloadCount(id)).toBe(0);
    expect((await get(token, 'hls/360p_00001.ts?download=1')).status).toBe(200);
    expect(await downloadCount(id)).toBe(1);
    // The cap is used up: the original is refused, viewing goes on.
    expect((await get(token, 'original')).status).toBe(403);
    expect((await get(token, 'hls/360p_00001.ts')).status).toBe(200);
  });
});

describe('a refused answer is not a download', () => {
  it('an original replaced after it was checked is refused and not counted', async () => {
    const replaced = await withDb((db) =>
      createAsset(db, owner, { detectedType: 'application/octet-stream', ingestedEtag: '"not-these-bytes"' }),
    );
    await putVariant(replaced, 'original', data, 'application/octet-stream');
    const { id, token } = await makeLink({ resourceId: replaced, createdBy: owner, permission: 'download', maxDownloads: 1 });
    expect((await get(token, 'original')).status).toBe(403);
    expect(await downloadCount(id)).toBe(0);
  });
});

describe('property: the counter moves exactly when the answer carries byte 0', () => {
  const num = (n: number) => fc.nat(2).map((pad) => `${'0'.repeat(pad)}${n}`);
  const spec = fc.oneof(
    fc.tuple(fc.nat(1100), fc.nat(1100)).chain(([a, b]) => fc.tuple(num(Math.min(a, b)), num(Math.max(a, b))).map(([x, y]) => `${x}-${y}`)),
    fc.nat(1100).chain((a) => num(a).map((x) => `${x}-`)),
    fc.integer({ min: 0, max: 1100 }).chain((n) => num(n).map((x) => `-${x}`)),
  );
  const header = fc.oneof(
    { weight: 4, arbitrary: fc.array(spec, { minLength: 1, maxLength: 4 }).map((s) => `bytes=${s.join(',')}`) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => `bytes=${s}`) },
    { weight: 1, arbitrary: fc.constantFrom('', 'items=0-1', 'bytes', 'bytes=-', 'BYTES=0-5') },
  );

  it('for random Range headers', async () => {
    const { id, token } = await downloadLink();
    let count = 0;
    await fc.assert(
      fc.asyncProperty(header, async (range) => {
        const res = await get(token, 'original', range === '' ? {} : { range });
        const body = await bytesOf(res);
        const carriesByteZero = res.status === 200 || (res.status === 206 && /^bytes 0-/.test(res.headers.get('content-range') ?? ''));
        if (carriesByteZero) expect(body[0], range).toBe(data[0]);
        else expect([206, 416], range).toContain(res.status);
        const now = await downloadCount(id);
        expect(now - count, range).toBe(carriesByteZero ? 1 : 0);
        count = now;
      }),
      { numRuns: 60 },
    );
  });
});
