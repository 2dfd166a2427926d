/**
 * Ranged and conditional delivery through the edge in workerd, against the
 * real local S3 server: a fixed matrix with exact bytes, and a property test
 * of random Range headers against an independent reference (a byte bitmap).
 */
import { SELF } from 'cloudflare:test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { signMediaToken } from '../../shared/tokens/index.ts';
import { createAsset, createUser, keys, party, patterned, putVariant, withDb } from './support/fixtures.ts';

const LEN = 1000;
const data = patterned(LEN);
let assetId: string;
let url: string;

beforeAll(async () => {
  assetId = await withDb(async (db) => createAsset(db, await createUser(db)));
  await putVariant(assetId, 'preview.mp4', data, 'video/mp4');
  const t = await signMediaToken(await keys(), { ...party, assetId, ttlSeconds: 3600 });
  url = `http://edge.test/m/${assetId}/preview.mp4?t=${t}`;
});

const get = (headers: Record<string, string> = {}, method = 'GET') => SELF.fetch(url, { method, headers });
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

describe('Range', () => {
  it('serves the whole object with validators when no Range is asked', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('content-length')).toBe(String(LEN));
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/);
    expect(res.headers.get('last-modified')).toBeTruthy();
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await bytesOf(res)).toEqual(data);
  });

  const cases: [string, number, number][] = [
    ['bytes=0-0', 0, 0],
    ['bytes=-500', 500, 999],
    ['bytes=500-', 500, 999],
    ['bytes=999-', 999, 999],
    ['bytes=10-19', 10, 19],
    ['bytes=990-5000', 990, 999],
    ['bytes=-5000', 0, 999],
    // Overlapping and touching specs coalesce into one part.
    ['bytes=0-99,50-149', 0, 149],
    ['bytes=100-199,200-299', 100, 299],
    ['bytes=0-,0-,0-,0-', 0, 999],
  ];
  it.each(cases)('%s -> 206 with exactly bytes %i-%i', async (range, start, end) => {
    const res = await get({ range });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${LEN}`);
    expect(res.headers.get('content-length')).toBe(String(end - start + 1));
    expect(await bytesOf(res)).toEqual(data.slice(start, end + 1));
  });

  it.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=-0', 'bytes=1000-,2000-'])(
    '%s -> 416 with Content-Range bytes */len',
    async (range) => {
      const res = await get({ range });
      expect(res.status).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${LEN}`);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe('range_not_satisfiable');
    },
  );

  it.each(['bytes=0-0,10-10', 'bytes=0-1,500-501,998-999'])('disjoint specs %s -> 200 full, never multipart', async (range) => {
    const res = await get({ range });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(await bytesOf(res)).toEqual(data);
  });

  it.each(['bytes=5-1', 'items=0-1', 'bytes=abc', 'bytes=', 'bytes=1-2-3', `bytes=${'0-0,'.repeat(17)}0-0`])(
    'ignores the malformed or abusive header %s (200 full)',
    async (range) => {
      const res = await get({ range });
      expect(res.status).toBe(200);
      expect((await bytesOf(res)).byteLength).toBe(LEN);
    },
  );

  it('If-Range with the current ETag applies the Range; a stale one gets the whole object', async () => {
    const etag = (await get({}, 'HEAD')).headers.get('etag')!;
    const hit = await get({ range: 'bytes=0-9', 'if-range': etag });
    expect(hit.status).toBe(206);
    expect(await bytesOf(hit)).toEqual(data.slice(0, 10));
    const miss = await get({ range: 'bytes=0-9', 'if-range': '"0000stale"' });
    expect(miss.status).toBe(200);
    expect(await bytesOf(miss)).toEqual(data);
    const weak = await get({ range: 'bytes=0-9', 'if-range': `W/${etag}` });
    expect(weak.status).toBe(200);
    await weak.body?.cancel();
  });

  it('If-Range with the Last-Modified date applies; an older date does not', async () => {
    const lm = (await get({}, 'HEAD')).headers.get('last-modified')!;
    const hit = await get({ range: 'bytes=-3', 'if-range': lm });
    expect(hit.status).toBe(206);
    expect(await bytesOf(hit)).toEqual(data.slice(LEN - 3));
    const old = await get({ range: 'bytes=-3', 'if-range': new Date(Date.parse(lm) - 60_000).toUTCString() });
    expect(old.status).toBe(200);
    await old.body?.cancel();
  });

  it('HEAD answers the same headers with no body, for whole and ranged requests', async () => {
    const whole = await get({}, 'HEAD');
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(LEN));
    expect((await bytesOf(whole)).byteLength).toBe(0);
    const part = await get({ range: 'bytes=100-199' }, 'HEAD');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${LEN}`);
    expect(part.headers.get('content-length')).toBe('100');
    expect((await bytesOf(part)).byteLength).toBe(0);
    expect((await get({ range: 'bytes=2000-' }, 'HEAD')).status).toBe(416);
  });
});

describe('conditional requests', () => {
  it('If-None-Match with the ETag (strong or weak form, or in a list) -> 304 without a body', async () => {
    const etag = (await get({}, 'HEAD')).headers.get('etag')!;
    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const res = await get({ 'if-none-match': inm });
      expect(res.status, inm).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect((await bytesOf(res)).byteLength).toBe(0);
    }
    const other = await get({ 'if-none-match': '"other"' });
    expect(other.status).toBe(200);
    await other.body?.cancel();
  });

  it('If-None-Match wins over a Range (304, not 206)', async () => {
    const etag = (await get({}, 'HEAD')).headers.get('etag')!;
    expect((await get({ 'if-none-match': etag, range: 'bytes=0-0' })).status).toBe(304);
  });

  it('If-Modified-Since: 304 when not modified since, 200 when modified', async () => {
    const lm = Date.parse((await get({}, 'HEAD')).headers.get('last-modified')!);
    expect((await get({ 'if-modified-since': new Date(lm + 60_000).toUTCString() })).status).toBe(304);
    const res = await get({ 'if-modified-since': new Date(lm - 60_000).toUTCString() });
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });
});

/** The reference: which bytes the specs cover, as a bitmap; contiguous -> 206, none -> 416, else 200. */
function reference(specs: { a?: number; b?: number; suffix?: number }[], len: number) {
  const covered = new Array<boolean>(len).fill(false);
  for (const s of specs) {
    const [from, to] = s.suffix !== undefined ? [len - s.suffix, len - 1] : [s.a!, s.b ?? len - 1];
    for (let i = Math.max(0, from); i <= Math.min(to, len - 1); i++) covered[i] = true;
  }
  const first = covered.indexOf(true);
  if (first === -1) return { status: 416 } as const;
  const last = covered.lastIndexOf(true);
  const contiguous = covered.slice(first, last + 1).every(Boolean);
  return contiguous ? ({ status: 206, start: first, end: last } as const) : ({ status: 200 } as const);
}

describe('property: random Range headers match the reference slice', () => {
  const spec = fc.oneof(
    fc.record({ a: fc.nat(1200), b: fc.nat(1200) }).map(({ a, b }) => ({ a: Math.min(a, b), b: Math.max(a, b) })),
    fc.record({ a: fc.nat(1200) }).map(({ a }) => ({ a, b: undefined as number | undefined })),
    fc.record({ suffix: fc.integer({ min: 1, max: 1200 }) }),
  );
  it('agrees on status and exact bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 4 }), async (specs) => {
        const header = `bytes=${specs.map((s) => ('suffix' in s ? `-${s.suffix}` : `${s.a}-${s.b ?? ''}`)).join(',')}`;
        const want = reference(specs as { a?: number; b?: number; suffix?: number }[], LEN);
        const res = await get({ range: header });
        expect(res.status, header).toBe(want.status);
        const body = await bytesOf(res);
        if (want.status === 206) {
          expect(res.headers.get('content-range')).toBe(`bytes ${want.start}-${want.end}/${LEN}`);
          expect(body).toEqual(data.slice(want.start, want.end + 1));
        } else if (want.status === 200) {
          expect(body).toEqual(data);
        } else {
          expect(res.headers.get('content-range')).toBe(`bytes */${LEN}`);
        }
      }),
      { numRuns: 120 },
    );
  });
});
