/**
 * POST policy checks for the local S3 server. s3rver stores browser form
 * uploads (POST Object) without looking at the policy at all; AWS S3 checks
 * its SigV4 signature, its expiration and every condition. This middleware
 * does those checks first, the way S3 does, for any form POST that carries a
 * policy, then hands the same bytes on to s3rver, which stores the object and
 * emits its event as before:
 * - `x-amz-signature` = HMAC of the policy with the credential's signing key;
 * - `expiration` in the future;
 * - every condition (`{field: value}`, `["eq"|"starts-with", "$field", v]`,
 *   `["content-length-range", min, max]` against the file's size);
 * - every form field but `policy`, `x-amz-signature`, `file` and `x-ignore-*`
 *   named by a condition.
 * The form is read into memory to do this (at most 101 MiB, above what the
 * edge ever signs a single upload for). A form without a policy is anonymous
 * and refused (403 AccessDenied), as S3 refuses it for a private bucket.
 *
 * S3 has no create-only condition for POST Object (conditional writes cover
 * PutObject, CompleteMultipartUpload and CopyObject): a policy can be posted
 * again, with other bytes of the same length and type, until it expires, and
 * S3 stores a new version. So does this server. The platform's guard against
 * that replay is the pipeline and the edge (docs/architecture.md, "Uploads").
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import account from '@20minutes/s3rver/lib/models/account.js';

const MAX_FORM_BYTES = 101 * 1024 * 1024;

interface Ctx {
  method: string;
  path: string;
  req: IncomingMessage;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
}

class PolicyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const registry = (account as unknown as { registry: Map<string, { accessKeys: Map<string, string> }> }).registry;

function signingKey(secret: string, date: string, region: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update('s3').digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

async function readCapped(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new PolicyError(400, 'EntityTooLarge', 'Your proposed upload exceeds the local maximum allowed size');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const denied = (why: string) => new PolicyError(403, 'AccessDenied', `Invalid according to Policy: ${why}`);

/** Checks the form's policy; throws a PolicyError as S3 would answer. */
export function checkPolicy(bucket: string, fields: Map<string, string>, fileSize: number, now = new Date()): void {
  const policyB64 = fields.get('policy') ?? '';
  const credential = fields.get('x-amz-credential') ?? '';
  const [accessKeyId = '', date = '', region = '', service = '', term = ''] = credential.split('/');
  const secret = registry.get(accessKeyId)?.accessKeys.get(accessKeyId);
  if (!secret) throw new PolicyError(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256' || service !== 's3' || term !== 'aws4_request') {
    throw new PolicyError(400, 'InvalidArgument', 'POST requires AWS4-HMAC-SHA256 with an s3/aws4_request credential');
  }
  const expected = createHmac('sha256', signingKey(secret, date, region))
    .update(policyB64)
    .digest('hex');
  if (expected !== fields.get('x-amz-signature')) {
    throw new PolicyError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  let policy: { expiration?: string; conditions?: unknown[] };
  try {
    policy = JSON.parse(Buffer.from(policyB64, 'base64').toString('utf8')) as typeof policy;
  } catch {
    throw new PolicyError(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  const expiration = Date.parse(policy.expiration ?? '');
  if (!Number.isFinite(expiration) || expiration <= now.getTime()) throw denied('Policy expired.');
  const fieldValue = (name: string) => (name === 'bucket' ? bucket : fields.get(name));
  const covered = new Set<string>();
  for (const c of policy.conditions ?? []) {
    if (Array.isArray(c) && c[0] === 'content-length-range') {
      const [, min, max] = c as [string, number, number];
      if (fileSize < min) throw new PolicyError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size');
      if (fileSize > max) throw new PolicyError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
      continue;
    }
    const [op, name, want] = Array.isArray(c)
      ? [String(c[0]).toLowerCase(), String(c[1]).replace(/^\$/, '').toLowerCase(), String(c[2])]
      : (() => {
          const [k, v] = Object.entries(c as Record<string, unknown>)[0] ?? ['', ''];
          return ['eq', k.toLowerCase(), String(v)];
        })();
    covered.add(name);
    const got = fieldValue(name) ?? '';
    if (op === 'eq' ? got !== want : op === 'starts-with' ? !got.startsWith(want) : true) {
      throw denied(`Policy Condition failed: ["${op}", "$${name}", "${want}"]`);
    }
  }
  const extra = [...fields.keys()].filter(
    (n) => !['policy', 'x-amz-signature', 'file'].includes(n) && !n.startsWith('x-ignore-') && !covered.has(n),
  );
  if (extra.length) throw denied(`Extra input fields: ${extra.join(', ')}`);
}

/** Koa middleware for s3rver: checks form POSTs to `/:bucket` that carry a policy. */
export function s3PostPolicy() {
  return async (context: unknown, next: () => Promise<void>) => {
    const ctx = context as Ctx;
    const m = /^\/([^/]+)\/?$/.exec(ctx.path);
    const type = String(ctx.headers['content-type'] ?? '');
    if (ctx.method !== 'POST' || !m || !/^multipart\/form-data/i.test(type)) return next();
    try {
      const raw = await readCapped(ctx.req);
      const form = await new Response(raw as unknown as BodyInit, { headers: { 'content-type': type } }).formData();
      const fields = new Map<string, string>();
      let fileSize = -1;
      for (const [name, value] of form) {
        if (name.toLowerCase() === 'file') fileSize = typeof value === 'string' ? Buffer.byteLength(value) : value.size;
        else fields.set(name.toLowerCase(), String(value));
      }
      if (!fields.has('policy')) throw new PolicyError(403, 'AccessDenied', 'Access Denied');
      checkPolicy(m[1]!, fields, fileSize);
      // s3rver reads the form by piping the request: give it the bytes already read.
      ctx.req.pipe = ((dest: NodeJS.WritableStream) => Readable.from([raw]).pipe(dest)) as IncomingMessage['pipe'];
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      ctx.status = err.status;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${err.message.replace(/[<>&"]/g, (ch) => `&#${ch.charCodeAt(0)};`)}</Message></Error>`;
      return;
    }
    return next();
  };
}
