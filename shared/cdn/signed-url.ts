/**
 * CloudFront signed URLs (the key-group flavour: `Key-Pair-Id` is the
 * CloudFront public key's id), as documented by AWS in "Create a signed URL
 * using a canned policy" / "... custom policy":
 *
 * - the policy is a JSON statement naming the resource (the URL without the
 *   signature parameters) and its conditions; a canned policy has only
 *   `DateLessThan` and is not sent (CloudFront rebuilds it from the URL and
 *   `Expires`), a custom policy is sent as `Policy`;
 * - `Signature` is RSASSA-PKCS1-v1_5 with SHA-1 over the policy's exact bytes;
 * - both are base64 with `+` → `-`, `=` → `_`, `/` → `~` (CloudFront's own
 *   URL-safe alphabet, not base64url).
 *
 * Pure WebCrypto, so the same code signs in workerd (edge/storage/cdn-reader.ts)
 * and verifies in Node (local/cdn-stand-in.ts).
 */

export interface CloudFrontSigner {
  keyPairId: string;
  privateKey: CryptoKey;
}

/** The signing algorithm CloudFront verifies for RSA key groups. */
const RSA_SHA1 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' } as const;

/** CloudFront's base64: standard base64, then `+` → `-`, `=` → `_`, `/` → `~`. */
export function cloudFrontBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll('+', '-').replaceAll('=', '_').replaceAll('/', '~');
}

/** Inverse of `cloudFrontBase64`; null when the text is not in that alphabet. */
export function fromCloudFrontBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9~_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replaceAll('-', '+').replaceAll('_', '=').replaceAll('~', '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The canned policy CloudFront rebuilds for `url` + `Expires` (exact bytes matter: no whitespace). */
export const cannedPolicy = (resource: string, expiresEpoch: number) =>
  `{"Statement":[{"Resource":"${resource}","Condition":{"DateLessThan":{"AWS:EpochTime":${expiresEpoch}}}}]}`;

export interface CustomPolicyOptions {
  /** The URL, or a pattern with `*` (any characters) and `?` (one character). */
  resource: string;
  expiresEpoch: number;
  /** Not valid before this time. */
  notBeforeEpoch?: number;
  /** Only from this address range, e.g. `192.0.2.0/24` (IPv4 or IPv6 CIDR). */
  sourceIp?: string;
}

export function customPolicy(o: CustomPolicyOptions): string {
  const condition: Record<string, unknown> = { DateLessThan: { 'AWS:EpochTime': o.expiresEpoch } };
  if (o.notBeforeEpoch !== undefined) condition.DateGreaterThan = { 'AWS:EpochTime': o.notBeforeEpoch };
  if (o.sourceIp !== undefined) condition.IpAddress = { 'AWS:SourceIp': o.sourceIp };
  return JSON.stringify({ Statement: [{ Resource: o.resource, Condition: condition }] });
}

async function sign(signer: CloudFrontSigner, policy: string): Promise<string> {
  const sig = await crypto.subtle.sign(RSA_SHA1, signer.privateKey, new TextEncoder().encode(policy));
  return cloudFrontBase64(new Uint8Array(sig));
}

/** A URL CloudFront serves until `expiresEpoch` (seconds): the canned policy, one object. */
export async function signCannedUrl(signer: CloudFrontSigner, url: string, expiresEpoch: number): Promise<string> {
  if (!Number.isInteger(expiresEpoch)) throw new TypeError('expiresEpoch must be whole seconds');
  const signature = await sign(signer, cannedPolicy(url, expiresEpoch));
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}Expires=${expiresEpoch}&Signature=${signature}&Key-Pair-Id=${encodeURIComponent(signer.keyPairId)}`;
}

/** A URL carrying a custom policy (`Policy`, `Signature`, `Key-Pair-Id`). */
export async function signCustomUrl(signer: CloudFrontSigner, url: string, policy: CustomPolicyOptions): Promise<string> {
  const text = customPolicy(policy);
  const signature = await sign(signer, text);
  const sep = url.includes('?') ? '&' : '?';
  return `${url}${sep}Policy=${cloudFrontBase64(new TextEncoder().encode(text))}&Signature=${signature}&Key-Pair-Id=${encodeURIComponent(signer.keyPairId)}`;
}

function pemBody(pem: string, label: string): Uint8Array<ArrayBuffer> | null {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(pem);
  if (!m) return null;
  const bin = atob(m[1]!.replace(/\s+/g, ''));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** Wraps a PKCS#1 RSAPrivateKey (`openssl genrsa` before 3.0) in PKCS#8, the only RSA private form WebCrypto imports. */
function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  // version 0, AlgorithmIdentifier { rsaEncryption, NULL }
  const head = [0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
  const octet = [0x04, ...derLength(pkcs1.length)];
  const inner = head.length + octet.length + pkcs1.length;
  const out = new Uint8Array([0x30, ...derLength(inner), ...head, ...octet, ...pkcs1]);
  return out;
}

/**
 * Imports the CloudFront private key from PEM: `PRIVATE KEY` (PKCS#8) or
 * `RSA PRIVATE KEY` (PKCS#1, what the CloudFront docs' `openssl genrsa` makes).
 */
export async function importCloudFrontKey(pem: string): Promise<CryptoKey> {
  const pkcs8 =
    pemBody(pem, 'PRIVATE KEY') ??
    (() => {
      const pkcs1 = pemBody(pem, 'RSA PRIVATE KEY');
      return pkcs1 ? pkcs1ToPkcs8(pkcs1) : null;
    })();
  if (!pkcs8) throw new Error('CDN_PRIVATE_KEY must be a PEM "PRIVATE KEY" or "RSA PRIVATE KEY" block');
  return crypto.subtle.importKey('pkcs8', pkcs8, RSA_SHA1, false, ['sign']);
}
