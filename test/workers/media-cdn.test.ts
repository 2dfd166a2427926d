/**
 * Derivatives through CloudFront (its stand-in, local/cdn-stand-in.ts, which
 * verifies the signature as CloudFront does): the answer is the same as
 * from S3 (status, headers, bytes) for plain, ranged and conditional reads;
 * originals stay on S3; CloudFront failing (5xx, refused connection) falls
 * back to S3 with a warning; CloudFront refusing (403) does not.
 *
 * Bearer reads of a private asset are used throughout: they are never kept in
 * the edge's own cache (edge/delivery/edge-cache.ts), so each one reaches
 * CloudFront.
 */
import { env } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../edge/app.ts';
import { derivativeKey } from '../../shared/storage/keys.ts';
import { bearer, bindings, createAsset, createUser, patterned, putVariant, withDb } from './support/fixtures.ts';

const CLOSED = 'http://127.0.0.1:9';
const cdn = bindings.CDN_DOMAIN!;
const withoutCdn = { ...env, CDN_DOMAIN: '', CDN_KEY_PAIR_ID: '', CDN_PRIVATE_KEY: '' };
const bytes = patterned(50_000);
let owner: string;
let asset: string;
let auth: Record<string, string>;

async function stats(): Promise<{ requests: number; hits: number; misses: number; denied: number }> {
  return (await fetch(`${cdn}/__stand-in/stats`)).json();
}

function request(path: string, headers: Record<string, string> = {}, bindingsOverride: object = env, method = 'GET') {
  return createApp().request(`http://edge.test${path}`, { method, headers: { ...auth, ...headers } }, bindingsOverride);
}

beforeAll(async () => {
  owner = await withDb((db) => createUser(db, 'cdn-owner'));
  asset = await withDb((db) => createAsset(db, owner, { detectedType: 'image/webp' }));
  auth = await bearer(owner);
  await putVariant(asset, 'w1024.webp', bytes, 'image/webp');
  await putVariant(asset, 'original', bytes, 'image/webp');
});
afterEach(() => vi.restoreAllMocks());

/** Everything of an answer a client sees, minus what differs per request. */
async function seen(res: Response) {
  const headers = Object.fromEntries([...res.headers].filter(([k]) => !['date', 'x-request-id', 'server-timing'].includes(k)));
  // An error body names its request id; the rest must match.
  const body = res.headers.get('content-type')?.startsWith('application/json')
    ? JSON.stringify({ ...((await res.json()) as { error: object }).error, requestId: undefined })
    : new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers, body };
}

describe('derivatives come from CloudFront', () => {
  it('a derivative read reaches CloudFront (signed, accepted); an original does not', async () => {
    const before = await stats();
    const res = await request(`/m/${asset}/w1024.webp`);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    const mid = await stats();
    expect(mid.requests).toBeGreaterThan(before.requests);
    expect(mid.denied).toBe(before.denied);
    // Originals are served from S3 (the distribution fronts the derivatives bucket only).
    const original = await request(`/m/${asset}/original`);
    expect(original.status).toBe(200);
    await original.arrayBuffer();
    // Other files' reads may reach the stand-in meanwhile; ours of the original must not be refused there.
    expect((await stats()).denied).toBe(before.denied);
  });

  it.each([
    [
      'a subtitle file (replaced by its owner)',
      'hls/subs/en.vtt',
      'text/vtt',
      (t: string) => `WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n${t}\n`,
    ],
    [
      'the master playlist (rewritten as rungs complete)',
      'hls/master.m3u8',
      'application/vnd.apple.mpegurl',
      (t: string) => `#EXTM3U\n# ${t}\n`,
    ],
  ])('%s is read from S3, so a new version shows at once', async (_what, variant, type, body) => {
    await putVariant(asset, variant, new TextEncoder().encode(body('first')), type);
    const first = await request(`/m/${asset}/${variant}`);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('first');
    await putVariant(asset, variant, new TextEncoder().encode(body('second')), type);
    const second = await request(`/m/${asset}/${variant}`);
    expect(second.status).toBe(200);
    // Through the distribution, the stand-in (as CloudFront, for its TTL) would answer its copy of 'first'.
    expect(await second.text()).toContain('second');
  });

  it('the same answer as from S3: full, ranged, conditional, HEAD, download', async () => {
    const first = await request(`/m/${asset}/w1024.webp`);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    await first.arrayBuffer();
    const cases: [Record<string, string>, string?, string?][] = [
      [{}],
      [{ range: 'bytes=100-199' }],
      [{ range: 'bytes=-10' }],
      [{ range: 'bytes=49990-' }],
      [{ range: 'bytes=0-0' }],
      [{ range: 'bytes=0-9,20-29' }],
      [{ range: 'bytes=0-9,5-29' }],
      [{ range: 'bytes=60000-' }],
      [{ 'if-none-match': etag }],
      [{ 'if-none-match': '"other"' }],
      [{ 'if-modified-since': lastModified }],
      [{ range: 'bytes=0-9', 'if-range': etag }],
      [{ range: 'bytes=0-9', 'if-range': '"stale"' }],
      [{}, 'HEAD'],
      [{ range: 'bytes=10-19' }, 'HEAD'],
      [{}, 'GET', '?download=1'],
    ];
    for (const [headers, method = 'GET', query = ''] of cases) {
      const path = `/m/${asset}/w1024.webp${query}`;
      const viaCdn = await seen(await request(path, headers, env, method));
      const viaS3 = await seen(await request(path, headers, withoutCdn, method));
      expect(viaCdn, `${method} ${JSON.stringify(headers)} ${query}`).toEqual(viaS3);
    }
  });
});

describe('when CloudFront fails', () => {
  it('a 5xx: the bytes come from S3, with a warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    await fetch(`${cdn}/__stand-in/fail?n=1&status=502&path=/${derivativeKey(asset, 'w1024.webp')}`, { method: 'POST' });
    const res = await request(`/m/${asset}/w1024.webp`, { range: 'bytes=0-99' });
    expect(res.status).toBe(206);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes.subarray(0, 100));
    expect(warn.mock.calls.map((c) => String(c[0])).some((l) => l.includes('CloudFront failed') && l.includes('status 502'))).toBe(true);
  });

  it('refused connection: the bytes come from S3, with a warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    const res = await request(`/m/${asset}/w1024.webp`, {}, { ...env, CDN_DOMAIN: CLOSED });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    expect(warn.mock.calls.map((c) => String(c[0])).some((l) => l.includes('CloudFront failed'))).toBe(true);
  });

  it('a 403 (a key the key group does not trust): no fallback, 404 and a warning', async () => {
    const warn = vi.spyOn(console, 'warn');
    const pair = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-1' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const der = new Uint8Array((await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer);
    const pem = `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...der))}\n-----END PRIVATE KEY-----\n`;
    const untrusted = { ...env, CDN_PRIVATE_KEY: pem };
    const before = await stats();
    const res = await request(`/m/${asset}/w1024.webp`, {}, untrusted);
    expect(res.status).toBe(404);
    expect((await stats()).denied).toBeGreaterThan(before.denied);
    expect(warn.mock.calls.map((c) => String(c[0])).some((l) => l.includes('CloudFront refused'))).toBe(true);
    // S3 is not asked: with it unreachable the answer is still 404, not 503.
    expect((await request(`/m/${asset}/w1024.webp`, {}, { ...untrusted, S3_ENDPOINT: CLOSED })).status).toBe(404);
  });

  it('a missing derivative: 404 (CloudFront 403 behind OAC), S3 not asked', async () => {
    const res = await request(`/m/${asset}/w320.webp`, {}, { ...env, S3_ENDPOINT: CLOSED });
    expect(res.status).toBe(404);
  });
});
