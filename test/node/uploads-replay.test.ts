/**
 * Replays over a finished original on the whole local stack (edge in
 * workerd, the SigV4-verifying S3 stand-in, the real ingest pipeline):
 * - the presigned PUT used again after the asset is ready: S3 answers 412,
 *   the original and the asset stay as they were;
 * - the POST form used again: S3 stores it (POST has no create-only
 *   condition, in AWS either), the pipeline blocks the asset as
 *   `original_replaced`, and the edge never serves the new bytes;
 * - a new version written straight to storage with the owner's credentials:
 *   blocked the same way.
 * A multipart complete over an existing original: test/workers/uploads-replay.test.ts
 * (the edge) and test/node/storage-create-only.test.ts (S3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallJpeg } from './support/samples.ts';
import { sha256OfObject, startUploadStack, type UploadStack } from './support/upload-stack.ts';

let env: UploadStack;
let user: Awaited<ReturnType<UploadStack['register']>>;

beforeAll(async () => {
  env = await startUploadStack();
  user = await env.register('replay');
}, 180_000);
afterAll(async () => env?.close());

const auth = () => ({ authorization: `Bearer ${user.accessToken}` });

async function status(assetId: string): Promise<{ status: string; reason?: string }> {
  const res = await fetch(`${env.endpoint}/api/assets/${assetId}/status`, { headers: auth() });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; reason?: string };
}

/** Waits for the dispatcher to finish with every storage event, then reads the status. */
async function settled(assetId: string) {
  for (let i = 0; i < 100; i++) {
    await env.stack.dispatcher.idle();
    const s = await status(assetId);
    if (!['pending', 'uploaded', 'processing'].includes(s.status)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`asset ${assetId} never settled`);
}

const originalVia = (assetId: string) => fetch(`${env.endpoint}/m/${assetId}/original`, { headers: auth() });
const sha = async (b: Uint8Array) => Buffer.from(await crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>)).toString('hex');
/** Same length, other bytes: what a replay with a different file of the declared size sends. */
const tampered = (b: Buffer) => Buffer.from(b).fill(0x41, 200, 260);

describe('replays after the asset is ready', () => {
  it('the presigned PUT: 412 from storage, the original and the asset unchanged', async () => {
    const bytes = await smallJpeg(320, 240);
    const res = await fetch(`${env.endpoint}/api/uploads`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'p.jpg', size: bytes.length, contentType: 'image/jpeg' }),
    });
    const start = (await res.json()) as { assetId: string; url: string; headers: Record<string, string> };
    expect((await fetch(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(bytes) })).status).toBe(200);
    expect(await settled(start.assetId)).toMatchObject({ status: 'ready' });

    const replay = await fetch(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(tampered(bytes)) });
    expect(replay.status).toBe(412);
    await env.stack.dispatcher.idle();
    expect(await sha256OfObject(env.storage, env.raw, `${start.assetId}/original`)).toBe(await sha(bytes));
    expect(await status(start.assetId)).toMatchObject({ status: 'ready' });
    const served = await originalVia(start.assetId);
    expect(served.status).toBe(200);
    expect(await sha(new Uint8Array(await served.arrayBuffer()))).toBe(await sha(bytes));
  });

  it('the POST form: stored by S3, then the asset is blocked as original_replaced and the new bytes are never served', async () => {
    const bytes = await smallJpeg(300, 200);
    const params = await fetch(`${env.endpoint}/s3/params?filename=f.jpg&type=image%2Fjpeg&metadata%5Bsize%5D=${bytes.length}`, {
      headers: auth(),
    });
    const start = (await params.json()) as { assetId: string; url: string; fields: Record<string, string> };
    const post = (body: Buffer) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(start.fields)) form.set(k, v);
      form.set('file', new File([new Uint8Array(body)], 'f.jpg', { type: 'image/jpeg' }));
      return fetch(start.url, { method: 'POST', body: form });
    };
    expect((await post(bytes)).status).toBe(204);
    expect(await settled(start.assetId)).toMatchObject({ status: 'ready' });
    expect((await originalVia(start.assetId)).status).toBe(200);

    expect((await post(tampered(bytes))).status).toBe(204);
    await env.stack.dispatcher.idle();
    const s = await status(start.assetId);
    expect(s.status).toBe('blocked');
    expect(s.reason).toMatch(/^original_replaced: /);
    const refused = await originalVia(start.assetId);
    expect(refused.status).toBe(403);
  });

  it('a new version written with the owner credentials (an S3-level overwrite) is blocked, and not served', async () => {
    const bytes = await smallJpeg(330, 220);
    const res = await fetch(`${env.endpoint}/api/uploads`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'o.jpg', size: bytes.length, contentType: 'image/jpeg' }),
    });
    const start = (await res.json()) as { assetId: string; url: string; headers: Record<string, string> };
    expect((await fetch(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(bytes) })).status).toBe(200);
    expect(await settled(start.assetId)).toMatchObject({ status: 'ready' });

    const other = tampered(bytes);
    await env.storage.put(env.raw, `${start.assetId}/original`, new Uint8Array(other), {
      contentType: 'image/jpeg',
      contentLength: other.length,
    });
    await env.stack.dispatcher.idle();
    expect(await status(start.assetId)).toMatchObject({ status: 'blocked', reason: expect.stringMatching(/^original_replaced: /) });
    expect((await originalVia(start.assetId)).status).toBe(403);
    // The derivatives made from the checked bytes are not served for a blocked asset either.
    expect((await fetch(`${env.endpoint}/m/${start.assetId}/w320.webp`, { headers: auth() })).status).toBe(403);
  });
});
