/**
 * S3 POST policies (browser form uploads, SigV4): the form fields a client
 * posts, with the file last, to the bucket URL. S3 checks the signature, the
 * expiration and every condition; here the conditions pin the bucket, the key,
 * the Content-Type and the exact length (`content-length-range` [n, n]), so a
 * policy uploads one declared file to one key and nothing else.
 *
 * WebCrypto only, so the same code signs in workerd and Node.
 */

export interface PostPolicyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface PostPolicyRequest {
  /** The bucket URL the form is posted to (S3Client.url(bucket)). */
  url: string;
  bucket: string;
  key: string;
  region: string;
  credentials: PostPolicyCredentials;
  contentType: string;
  contentLength: number;
  expiresIn: number;
  /** Signing time; defaults to now. */
  now?: Date;
}

export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
  expiresAt: Date;
}

const enc = new TextEncoder();

async function hmac(key: ArrayBuffer | Uint8Array, data: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, enc.encode(data));
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

function base64(text: string): string {
  let bin = '';
  for (const b of enc.encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** `20260101T000000Z` */
export const amzDate = (d: Date) => d.toISOString().replace(/[:-]|\.\d{3}/g, '');

/** The SigV4 signature of a policy document (base64 JSON) with `secret` on `date` (YYYYMMDD). */
export async function signPolicy(policyBase64: string, secret: string, date: string, region: string): Promise<string> {
  const kDate = await hmac(enc.encode(`AWS4${secret}`), date);
  const kRegion = await hmac(kDate, region);
  const kService = await hmac(kRegion, 's3');
  const kSigning = await hmac(kService, 'aws4_request');
  return hex(await hmac(kSigning, policyBase64));
}

export async function presignPost(req: PostPolicyRequest): Promise<PresignedPost> {
  const now = req.now ?? new Date();
  const expiresAt = new Date(now.getTime() + req.expiresIn * 1000);
  const date = amzDate(now);
  const credential = `${req.credentials.accessKeyId}/${date.slice(0, 8)}/${req.region}/s3/aws4_request`;
  const fields: Record<string, string> = {
    key: req.key,
    'Content-Type': req.contentType,
    'x-amz-algorithm': 'AWS4-HMAC-SHA256',
    'x-amz-credential': credential,
    'x-amz-date': date,
    ...(req.credentials.sessionToken ? { 'x-amz-security-token': req.credentials.sessionToken } : {}),
  };
  const conditions: unknown[] = [
    { bucket: req.bucket },
    ...Object.entries(fields).map(([k, v]) => ({ [k]: v })),
    ['content-length-range', req.contentLength, req.contentLength],
  ];
  const policy = base64(JSON.stringify({ expiration: expiresAt.toISOString(), conditions }));
  fields.policy = policy;
  fields['x-amz-signature'] = await signPolicy(policy, req.credentials.secretAccessKey, date.slice(0, 8), req.region);
  return { url: req.url, fields, expiresAt };
}
