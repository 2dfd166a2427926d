/**
 * CloudFront signed URLs against a foreign implementation: Debian's openssl
 * makes the key pair and the expected signature (`openssl dgst -sha1 -sign`,
 * the command the CloudFront documentation gives), so the vector does not
 * come from our own code; openssl also verifies the signature we made.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cannedPolicy,
  cloudFrontBase64,
  customPolicy,
  fromCloudFrontBase64,
  importCloudFrontKey,
  signCannedUrl,
  signCustomUrl,
} from '../../shared/cdn/signed-url.ts';

let dir: string;
let pkcs8Pem: string;
let pkcs1Pem: string;
let publicPem: string;

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** `openssl dgst -sha1 -sign key | openssl base64 | tr '+=/' '-_~'`, as in the CloudFront docs. */
function opensslSignature(policy: string, keyFile: string): string {
  writeFileSync(path.join(dir, 'policy'), policy);
  const sig = openssl('dgst', '-sha1', '-sign', keyFile, 'policy');
  return sig.toString('base64').replaceAll('+', '-').replaceAll('=', '_').replaceAll('/', '~');
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cf-sign-'));
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'pkcs8.pem');
  openssl('rsa', '-in', 'pkcs8.pem', '-traditional', '-out', 'pkcs1.pem');
  openssl('pkey', '-in', 'pkcs8.pem', '-pubout', '-out', 'public.pem');
  pkcs8Pem = readFileSync(path.join(dir, 'pkcs8.pem'), 'utf8');
  pkcs1Pem = readFileSync(path.join(dir, 'pkcs1.pem'), 'utf8');
  publicPem = readFileSync(path.join(dir, 'public.pem'), 'utf8');
  expect(pkcs1Pem).toContain('BEGIN RSA PRIVATE KEY');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CloudFront base64', () => {
  it('maps + = / to - _ ~ and back', () => {
    const bytes = Uint8Array.from([0xfb, 0xff, 0xbf, 0x3e, 0x00]);
    expect(Buffer.from(bytes).toString('base64')).toBe('+/+/PgA=');
    expect(cloudFrontBase64(bytes)).toBe('-~-~PgA_');
    expect(fromCloudFrontBase64('-~-~PgA_')).toEqual(bytes);
    expect(fromCloudFrontBase64('a+b/')).toBeNull();
  });
});

describe('canned policy', () => {
  const url = 'https://d111111abcdef8.cloudfront.net/a1b2/w1024.webp';
  const expires = 1_767_225_600;

  it('the policy text is the one CloudFront rebuilds (no whitespace)', () => {
    expect(cannedPolicy(url, expires)).toBe(
      `{"Statement":[{"Resource":"${url}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`,
    );
  });

  it.each([
    ['PKCS#8', () => pkcs8Pem, 'pkcs8.pem'],
    ['PKCS#1', () => pkcs1Pem, 'pkcs1.pem'],
  ])('signs as openssl dgst -sha1 -sign does (%s key)', async (_, pem, file) => {
    const key = await importCloudFrontKey(pem());
    const signed = new URL(await signCannedUrl({ keyPairId: 'K2JCJMDEHXQW5F', privateKey: key }, url, expires));
    expect([...signed.searchParams.keys()]).toEqual(['Expires', 'Signature', 'Key-Pair-Id']);
    expect(signed.searchParams.get('Expires')).toBe(String(expires));
    expect(signed.searchParams.get('Key-Pair-Id')).toBe('K2JCJMDEHXQW5F');
    // PKCS#1 v1.5 is deterministic: the same key and bytes give the same signature.
    expect(signed.searchParams.get('Signature')).toBe(opensslSignature(cannedPolicy(url, expires), file));
    expect(signed.origin + signed.pathname).toBe(url);
  });

  it('openssl verifies our signature with the public key', async () => {
    const key = await importCloudFrontKey(pkcs8Pem);
    const signed = new URL(await signCannedUrl({ keyPairId: 'K1', privateKey: key }, url, expires));
    writeFileSync(path.join(dir, 'policy'), cannedPolicy(url, expires));
    writeFileSync(path.join(dir, 'sig'), fromCloudFrontBase64(signed.searchParams.get('Signature')!)!);
    const out = openssl('dgst', '-sha1', '-verify', 'public.pem', '-signature', 'sig', 'policy').toString();
    expect(out.trim()).toBe('Verified OK');
    writeFileSync(path.join(dir, 'policy'), cannedPolicy(url, expires + 1));
    expect(() => openssl('dgst', '-sha1', '-verify', 'public.pem', '-signature', 'sig', 'policy')).toThrow();
  });

  it("a PEM on one line (the local stack's .dev.vars holds no line breaks) signs the same", async () => {
    const oneLine = await importCloudFrontKey(pkcs8Pem.replaceAll('\n', ''));
    const signed = new URL(await signCannedUrl({ keyPairId: 'K1', privateKey: oneLine }, url, expires));
    expect(signed.searchParams.get('Signature')).toBe(opensslSignature(cannedPolicy(url, expires), 'pkcs8.pem'));
  });

  it('refuses a key that is not a private key PEM', async () => {
    await expect(importCloudFrontKey(publicPem)).rejects.toThrow(/PRIVATE KEY/);
  });
});

describe('custom policy', () => {
  it('sends the policy in CloudFront base64 and signs its exact bytes', async () => {
    const key = await importCloudFrontKey(pkcs8Pem);
    const opts = { resource: 'https://cdn.example/a1b2/*', expiresEpoch: 2_000_000_000, notBeforeEpoch: 1_000, sourceIp: '192.0.2.0/24' };
    const signed = new URL(await signCustomUrl({ keyPairId: 'K1', privateKey: key }, 'https://cdn.example/a1b2/w320.webp', opts));
    const policy = new TextDecoder().decode(fromCloudFrontBase64(signed.searchParams.get('Policy')!)!);
    expect(policy).toBe(customPolicy(opts));
    expect(JSON.parse(policy)).toEqual({
      Statement: [
        {
          Resource: 'https://cdn.example/a1b2/*',
          Condition: {
            DateLessThan: { 'AWS:EpochTime': 2_000_000_000 },
            DateGreaterThan: { 'AWS:EpochTime': 1_000 },
            IpAddress: { 'AWS:SourceIp': '192.0.2.0/24' },
          },
        },
      ],
    });
    expect(signed.searchParams.get('Signature')).toBe(opensslSignature(policy, 'pkcs8.pem'));
  });
});
