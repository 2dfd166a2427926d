/**
 * Uploads end to end on the whole local stack (edge in workerd, s3rver,
 * embedded Postgres, the real ingest handler):
 * - the real, unmodified `@uppy/aws-s3` 6 (Companion mode, `companionEndpoint`
 *   only) uploads a small file (POST policy) and a large one (multipart) —
 *   the bytes land in the raw bucket and the assets go `ready`; cancelling a
 *   file mid-upload aborts it;
 * - `npm run upload`: killed mid-way, then run again, it sends only the parts
 *   S3 does not hold, and prints the media URL once the asset is ready.
 *
 * Uppy in Node needs two stand-ins, set up here only: XMLHttpRequest (Uppy
 * sends bytes with XHR; see support/xhr-on-fetch.ts), and the Bearer header —
 * Uppy 6 removed its `headers` option, so in Companion mode it calls the
 * page's `fetch` with no credentials; the app adds the token by wrapping
 * `fetch` for its edge's `/s3/` calls, as done here.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchXMLHttpRequest } from './support/xhr-on-fetch.ts';
import { sha256OfFile, sha256OfObject, startUploadStack, type UploadStack } from './support/upload-stack.ts';

const MiB = 1024 * 1024;
const root = path.resolve(import.meta.dirname, '../..');
let env: UploadStack;

beforeAll(async () => {
  env = await startUploadStack();
}, 180_000);
afterAll(async () => env?.close());

/** A file of `size` random bytes (written in 1 MiB chunks). */
async function randomFile(name: string, size: number): Promise<string> {
  const file = path.join(env.dataDir, name);
  const chunks: Buffer[] = [];
  for (let left = size; left > 0; left -= MiB) chunks.push(randomBytes(Math.min(MiB, left)));
  await writeFile(file, Buffer.concat(chunks));
  return file;
}

async function statusOf(assetId: string, token: string): Promise<{ status: string; reason?: string }> {
  const res = await fetch(`${env.endpoint}/api/assets/${assetId}/status`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; reason?: string };
}

/** Polls the status until it leaves the in-between states (the pipeline runs asynchronously). */
async function settled(assetId: string, token: string): Promise<{ status: string; reason?: string }> {
  for (let i = 0; i < 300; i++) {
    const s = await statusOf(assetId, token);
    if (!['pending', 'uploaded', 'processing'].includes(s.status)) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`asset ${assetId} never settled`);
}

describe('the real @uppy/aws-s3 against the edge', () => {
  let user: Awaited<ReturnType<UploadStack['register']>>;
  const calls: string[] = [];
  const realFetch = globalThis.fetch;
  const realXhr = (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;

  beforeAll(async () => {
    user = await env.register('uppy');
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = FetchXMLHttpRequest;
    globalThis.fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.startsWith(`${env.endpoint}/s3/`)) return realFetch(input, init);
      calls.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${user.accessToken}`);
      return realFetch(input, { ...init, headers });
    };
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = realXhr;
  });

  it('uploads a small file by POST policy and a 101 MiB one in 5 MiB parts; the bytes land under the asset keys and both go ready', async () => {
    const small = await randomFile('small.bin', MiB + 17);
    const big = await randomFile('big.bin', 101 * MiB);
    const uppy = new Uppy().use(AwsS3, { companionEndpoint: env.endpoint });
    for (const file of [small, big]) {
      const data = await openAsBlob(file, { type: 'application/octet-stream' });
      uppy.addFile({ name: path.basename(file), type: 'application/octet-stream', data, meta: { size: data.size } });
    }
    const result = await uppy.upload();
    expect(result?.failed ?? []).toEqual([]);
    expect(result?.successful).toHaveLength(2);

    expect(calls.filter((c) => c === 'GET /s3/params')).toHaveLength(1);
    expect(calls.filter((c) => c === 'POST /s3/multipart')).toHaveLength(1);
    expect(calls.filter((c) => /^GET \/s3\/multipart\/[^/]+\/\d+$/.test(c))).toHaveLength(21);
    expect(calls.filter((c) => c.endsWith('/complete'))).toHaveLength(1);

    for (const f of result!.successful!) {
      const key = (f.response!.body as unknown as { key: string }).key;
      expect(key).toMatch(/^[0-9a-f-]{36}\/original$/);
      const local = f.name === 'small.bin' ? small : big;
      expect(await sha256OfObject(env.storage, env.raw, key)).toBe(await sha256OfFile(local));
      expect(await settled(key.split('/')[0]!, user.accessToken)).toMatchObject({ status: 'ready' });
    }
  }, 240_000);

  it('removing a file mid-upload aborts it: the asset is failed "upload aborted" and S3 keeps no parts', async () => {
    const big = await randomFile('cancel.bin', 101 * MiB);
    const uppy = new Uppy().use(AwsS3, { companionEndpoint: env.endpoint });
    const data = await openAsBlob(big, { type: 'application/octet-stream' });
    const id = uppy.addFile({ name: 'cancel.bin', type: 'application/octet-stream', data, meta: { size: data.size } });
    const firstPart = new Promise<void>((resolve) => uppy.once('s3-multipart:part-uploaded', () => resolve()));
    void uppy.upload();
    await firstPart;
    const { key, uploadId } = uppy.getFile(id).s3Multipart!;
    uppy.removeFile(id);
    const assetId = key.split('/')[0]!;
    let s = await statusOf(assetId, user.accessToken);
    for (let i = 0; i < 100 && s.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await statusOf(assetId, user.accessToken);
    }
    expect(s).toMatchObject({ status: 'failed', reason: 'upload aborted' });
    expect(calls).toContain(`DELETE /s3/multipart/${uploadId}`);
    await expect(env.storage.listParts(env.raw, key, uploadId)).rejects.toMatchObject({ status: 404 });
  }, 120_000);
});

describe('npm run upload', () => {
  interface Run {
    out: () => string;
    exited: Promise<number | null>;
    kill: () => void;
  }

  function cli(args: string[], creds: { email: string; password: string } | { apiKey: string }, stateFile: string): Run {
    const auth = 'apiKey' in creds ? { MEDIA_API_KEY: creds.apiKey } : { MEDIA_EMAIL: creds.email, MEDIA_PASSWORD: creds.password };
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'cli/upload.ts', '--endpoint', env.endpoint, '--state', stateFile, '--verbose', ...args],
      {
        cwd: root,
        env: { ...process.env, MEDIA_EMAIL: '', MEDIA_PASSWORD: '', MEDIA_API_KEY: '', ...auth },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    return { out: () => out, exited: new Promise((r) => child.on('exit', (code) => r(code))), kill: () => child.kill('SIGKILL') };
  }

  const partsSent = (out: string, count: number) =>
    [...out.matchAll(new RegExp(`part (\\d+)/${count} stored`, 'g'))].map((m) => Number(m[1])).sort((a, b) => a - b);

  it('killed mid-way, then run again, sends only the missing parts and prints the media URL when ready', async () => {
    const user = await env.register('cli');
    const file = await randomFile('movie.bin', 96 * MiB + 12_345); // 13 parts of 8 MiB
    const stateFile = path.join(env.dataDir, 'upload-state.json');

    const first = cli(['--limit-rate', '24M', '--no-wait', file], user, stateFile);
    for (let i = 0; i < 600 && partsSent(first.out(), 13).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    first.kill();
    await first.exited;
    expect(partsSent(first.out(), 13).length, first.out()).toBeGreaterThanOrEqual(2);

    const state = JSON.parse(await readFile(stateFile, 'utf8')) as {
      uploads: Record<string, { uploadId: string; key: string; assetId: string }>;
    };
    const entry = state.uploads[path.resolve(file)]!;
    expect(entry.key).toBe(`${entry.assetId}/original`);
    const stored = (await env.storage.listParts(env.raw, entry.key, entry.uploadId)).map((p) => p.partNumber).sort((a, b) => a - b);
    expect(stored.length).toBeGreaterThanOrEqual(2);
    expect(stored.length).toBeLessThan(13);

    const second = cli([file], user, stateFile);
    const code = await second.exited;
    const out = second.out();
    expect(code, out).toBe(0);
    expect(out).toContain(`movie.bin: resuming, ${stored.length} of 13 parts already stored`);
    const sent = partsSent(out, 13);
    expect(sent.filter((n) => stored.includes(n))).toEqual([]);
    expect([...sent, ...stored].sort((a, b) => a - b)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(out).toContain(`movie.bin: ready ${env.endpoint}/m/${entry.assetId}/original`);
    expect(await sha256OfObject(env.storage, env.raw, entry.key)).toBe(await sha256OfFile(file));
    const after = JSON.parse(await readFile(stateFile, 'utf8')) as { uploads: Record<string, unknown> };
    expect(after.uploads[path.resolve(file)]).toBeUndefined();
  }, 240_000);

  it('refuses bad credentials and reports a file that is not there, with a failing exit code', async () => {
    const user = await env.register('cli2');
    const wrong = cli(
      [path.join(env.dataDir, 'nothing.bin')],
      { email: user.email, password: 'not the password' },
      path.join(env.dataDir, 's2.json'),
    );
    expect(await wrong.exited).toBe(1);
    expect(wrong.out()).toContain('Invalid email or password');
    const missing = cli(['--no-wait', path.join(env.dataDir, 'nothing.bin')], user, path.join(env.dataDir, 's2.json'));
    expect(await missing.exited).toBe(1);
    expect(missing.out()).toMatch(/nothing\.bin: upload failed: .*ENOENT/);
  }, 60_000);

  it('uploads with MEDIA_API_KEY (scope uploads) and no password; a key without it fails with a clear error', async () => {
    const user = await env.register('cli-key');
    const makeKey = async (scopes: string[]) => {
      const res = await fetch(`${env.endpoint}/api/auth/api-keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'cli', scopes }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { secret: string }).secret;
    };
    const file = await randomFile('keyed.bin', 3 * MiB);
    const run = cli([file], { apiKey: await makeKey(['uploads']) }, path.join(env.dataDir, 's3.json'));
    const code = await run.exited;
    expect(code, run.out()).toBe(0);
    expect(run.out()).toMatch(/keyed\.bin: ready .*\/m\/[0-9a-f-]{36}\/original/);

    const readOnly = cli(['--no-wait', file], { apiKey: await makeKey(['assets:read']) }, path.join(env.dataDir, 's4.json'));
    expect(await readOnly.exited).toBe(1);
    expect(readOnly.out()).toContain('does not have the scope');
  }, 120_000);
});
