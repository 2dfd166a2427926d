/**
 * The CloudFront stand-in (local/cdn-stand-in.ts) in front of the real local
 * S3 server: it refuses what CloudFront refuses (missing, expired, tampered,
 * wrong key pair, outside the policy's IP range or time window) with 403, and
 * accepts canned and custom policies signed by our code and by openssl.
 * Caching: a hit answers Range and conditionals without the origin.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCdnStandIn, ipInCidr, resourceMatches, type CdnStandIn } from '../../local/cdn-stand-in.ts';
import { S3Client } from '../../edge/storage/s3-client.ts';
import { importCloudFrontKey, signCannedUrl, signCustomUrl, cannedPolicy, type CloudFrontSigner } from '../../shared/cdn/signed-url.ts';

const pair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const trusted = pair();
const stranger = pair();

let cdn: CdnStandIn;
let signer: CloudFrontSigner;
let strangerSigner: CloudFrontSigner;
let s3: S3Client;
let dir: string;
const body = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
const key = `${randomUUID()}/w1024.webp`;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cdn-stand-in-'));
  s3 = new S3Client({ endpoint: inject('s3Endpoint'), region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  await s3.put('derivatives', key, body, { contentType: 'image/webp' });
  cdn = await startCdnStandIn({
    s3Endpoint: inject('s3Endpoint'),
    bucket: 'derivatives',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    trustedKeys: { KTRUSTED: trusted.publicKey },
  });
  signer = { keyPairId: 'KTRUSTED', privateKey: await importCloudFrontKey(trusted.privateKey) };
  strangerSigner = { keyPairId: 'KTRUSTED', privateKey: await importCloudFrontKey(stranger.privateKey) };
});
afterAll(async () => {
  await cdn.close();
  rmSync(dir, { recursive: true, force: true });
});

const objectUrl = (k = key) => `${cdn.endpoint}/${k}`;

async function status(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers };
}

describe('signature checks', () => {
  it('a canned URL signed by our code is served, with the bytes of the object', async () => {
    const res = await fetch(await signCannedUrl(signer, objectUrl(), now() + 60));
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(body);
    expect(res.headers.get('content-type')).toBe('image/webp');
  });

  it('no signature, or only part of it: 403 MissingKey', async () => {
    expect((await status(objectUrl())).status).toBe(403);
    const signed = new URL(await signCannedUrl(signer, objectUrl(), now() + 60));
    signed.searchParams.delete('Key-Pair-Id');
    const res = await status(signed.href);
    expect(res.status).toBe(403);
    expect(res.text).toContain('<Code>MissingKey</Code>');
  });

  it('expired: 403', async () => {
    expect((await status(await signCannedUrl(signer, objectUrl(), now() - 1))).status).toBe(403);
  });

  it('tampered (another object, a later expiry, a changed signature): 403', async () => {
    const signed = new URL(await signCannedUrl(signer, objectUrl(), now() + 60));
    const other = new URL(signed);
    other.pathname = `/${randomUUID()}/w1024.webp`;
    expect((await status(other.href)).status).toBe(403);
    const later = new URL(signed);
    later.searchParams.set('Expires', String(now() + 3600));
    expect((await status(later.href)).status).toBe(403);
    const sig = signed.searchParams.get('Signature')!;
    const flipped = new URL(signed);
    flipped.searchParams.set('Signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    expect((await status(flipped.href)).status).toBe(403);
  });

  it('a key the key group does not trust, or an unknown Key-Pair-Id: 403', async () => {
    expect((await status(await signCannedUrl(strangerSigner, objectUrl(), now() + 60))).status).toBe(403);
    const unknown = await status(await signCannedUrl({ ...signer, keyPairId: 'KOTHER' }, objectUrl(), now() + 60));
    expect(unknown.status).toBe(403);
    expect(unknown.text).toContain('InvalidKey');
  });

  it('custom policy: wildcard resource, time window, IP range', async () => {
    const prefix = `${cdn.endpoint}/${key.split('/')[0]}/*`;
    const ok = await signCustomUrl(signer, objectUrl(), { resource: prefix, expiresEpoch: now() + 60, sourceIp: '127.0.0.0/8' });
    expect((await status(ok)).status).toBe(200);
    const elsewhere = await signCustomUrl(signer, objectUrl(`${randomUUID()}/x.webp`), { resource: prefix, expiresEpoch: now() + 60 });
    expect((await status(elsewhere)).status).toBe(403);
    const wrongIp = await signCustomUrl(signer, objectUrl(), { resource: prefix, expiresEpoch: now() + 60, sourceIp: '192.0.2.0/24' });
    expect((await status(wrongIp)).status).toBe(403);
    const notYet = await signCustomUrl(signer, objectUrl(), { resource: prefix, expiresEpoch: now() + 120, notBeforeEpoch: now() + 60 });
    expect((await status(notYet)).status).toBe(403);
    const expired = await signCustomUrl(signer, objectUrl(), { resource: prefix, expiresEpoch: now() - 1 });
    expect((await status(expired)).status).toBe(403);
    // The policy is what is signed: swapping in a wider one breaks the signature.
    const swapped = new URL(ok);
    const wider = await signCustomUrl(strangerSigner, objectUrl(), { resource: '*', expiresEpoch: now() + 60 });
    swapped.searchParams.set('Policy', new URL(wider).searchParams.get('Policy')!);
    expect((await status(swapped.href)).status).toBe(403);
  });

  it("a URL signed by openssl (the CloudFront documentation's commands) is accepted", async () => {
    writeFileSync(path.join(dir, 'key.pem'), trusted.privateKey);
    const expires = now() + 60;
    writeFileSync(path.join(dir, 'policy'), cannedPolicy(objectUrl(), expires));
    const sig = execFileSync('openssl', ['dgst', '-sha1', '-sign', 'key.pem', 'policy'], { cwd: dir, stdio: 'pipe' })
      .toString('base64')
      .replaceAll('+', '-')
      .replaceAll('=', '_')
      .replaceAll('/', '~');
    const res = await status(`${objectUrl()}?Expires=${expires}&Signature=${sig}&Key-Pair-Id=KTRUSTED`);
    expect(res.status).toBe(200);
  });

  it('a missing object: 403 as CloudFront with OAC answers (no ListBucket)', async () => {
    expect((await status(await signCannedUrl(signer, objectUrl(`${randomUUID()}/none.webp`), now() + 60))).status).toBe(403);
  });
});

describe('cache', () => {
  it('the second read is a hit; Range and conditionals are answered from the copy without the origin', async () => {
    const k = `${randomUUID()}/w320.webp`;
    await s3.put('derivatives', k, body, { contentType: 'image/webp' });
    const url = await signCannedUrl(signer, objectUrl(k), now() + 60);
    const first = await fetch(url);
    expect(first.headers.get('x-cache')).toBe('Miss from cloudfront');
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const origin = cdn.stats.originRequests;
    // A new signature (another expiry) shares the copy: signature parameters are not in the cache key.
    const again = await fetch(await signCannedUrl(signer, objectUrl(k), now() + 120));
    expect(again.headers.get('x-cache')).toBe('Hit from cloudfront');
    expect(Buffer.from(await again.arrayBuffer())).toEqual(body);
    const ranged = await fetch(url, { headers: { range: 'bytes=100-199' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${body.length}`);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(body.subarray(100, 200));
    const suffix = await fetch(url, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(body.subarray(body.length - 10));
    expect((await fetch(url, { headers: { range: 'bytes=20000-' } })).status).toBe(416);
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const staleIfRange = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': '"other"' } });
    expect(staleIfRange.status).toBe(200);
    await staleIfRange.arrayBuffer();
    // Refusals are decided before the cache: an expired URL gets nothing from the copy.
    expect((await status(await signCannedUrl(signer, objectUrl(k), now() - 1))).status).toBe(403);
    expect(cdn.stats.originRequests).toBe(origin);
  });
});

describe('helpers', () => {
  it('wildcards and CIDR ranges', () => {
    expect(resourceMatches('https://d.example/a/*', 'https://d.example/a/b/c.webp')).toBe(true);
    expect(resourceMatches('https://d.example/a/?.webp', 'https://d.example/a/b.webp')).toBe(true);
    expect(resourceMatches('https://d.example/a/*', 'https://d.example/b/c')).toBe(false);
    expect(resourceMatches('https://d.example/a.b', 'https://d.example/aXb')).toBe(false);
    expect(ipInCidr('127.0.0.1', '127.0.0.0/8')).toBe(true);
    expect(ipInCidr('::ffff:127.0.0.1', '127.0.0.1/32')).toBe(true);
    expect(ipInCidr('10.0.0.1', '127.0.0.0/8')).toBe(false);
    expect(ipInCidr('2001:db8::1', '2001:db8::/32')).toBe(true);
    expect(ipInCidr('2001:db9::1', '2001:db8::/32')).toBe(false);
    expect(ipInCidr('127.0.0.1', '2001:db8::/32')).toBe(false);
  });
});
