/**
 * The edge with its dependencies frozen: the local stack's edge bundle in
 * workerd, reaching storage, CloudFront (its stand-in) and the database
 * (through the WebSocket relay) via TCP proxies that stop forwarding bytes. Every kind of request must get
 * a prompt 503 with Retry-After and the one error shape while the outage
 * lasts (not hang for as long as it does), log a warning with its request
 * id, leave no row behind, and work again once the dependencies return.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type EdgeRuntime } from '../../local/edge-runtime.ts';
import { RETRY_AFTER_SECONDS } from '../../shared/deadline.ts';
import { startFreezableProxy, type FreezableProxy } from './support/freezable-proxy.ts';
import { smallJpeg } from './support/samples.ts';
import { startUploadStack, type UploadStack } from './support/upload-stack.ts';

let env: UploadStack;
let edge: EdgeRuntime;
let storageProxy: FreezableProxy;
let databaseProxy: FreezableProxy;
let cdnProxy: FreezableProxy;
let token: string;
let logs = '';
/**
 * `m` is read before the freeze (so a cache may hold it); `mCold` only while frozen: a
 * derivative no cache (the Workers cache, CloudFront's) has seen, which must reach the region.
 */
const media: { m: string; mCold: string; s: string; assetId: string } = { m: '', mCold: '', s: '', assetId: '' };

const auth = () => ({ authorization: `Bearer ${token}` });
const api = (p: string, init: RequestInit = {}) =>
  fetch(`${edge.url}${p}`, { ...init, headers: { ...auth(), 'content-type': 'application/json', ...(init.headers ?? {}) } });
const freeze = () => {
  for (const p of [storageProxy, databaseProxy, cdnProxy]) p.freeze();
};
const thaw = () => {
  for (const p of [storageProxy, databaseProxy, cdnProxy]) p.thaw();
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  env = await startUploadStack();
  const s3 = new URL(env.stack.bindings.S3_ENDPOINT!);
  storageProxy = await startFreezableProxy({ host: s3.hostname, port: Number(s3.port) });
  const [relayHost, relayPort] = env.stack.bindings.DATABASE_WS_PROXY!.split('/')[0]!.split(':');
  databaseProxy = await startFreezableProxy({ host: relayHost!, port: Number(relayPort) });
  // CloudFront (its stand-in) is a dependency too: derivatives are read through it first.
  const cdn = new URL(env.stack.bindings.CDN_DOMAIN!);
  cdnProxy = await startFreezableProxy({ host: cdn.hostname, port: Number(cdn.port) });
  // The stack's own bundle and bindings; only the two addresses differ.
  edge = await startEdge({
    scriptPath: path.join(env.dataDir, 'edge-build', 'index.js'),
    port: 0,
    bindings: {
      ...env.stack.bindings,
      S3_ENDPOINT: `http://127.0.0.1:${storageProxy.port}`,
      DATABASE_WS_PROXY: `127.0.0.1:${databaseProxy.port}/v1`,
      CDN_DOMAIN: `${cdn.protocol}//127.0.0.1:${cdnProxy.port}`,
    },
    stdio: (out, err) => {
      out.on('data', (d) => (logs += d));
      err.on('data', (d) => (logs += d));
    },
  });
  token = (await env.register('frozen')).accessToken;

  // One ready image, reached by a signed media URL and by a share link.
  const bytes = await smallJpeg(320, 240);
  const start = (await (
    await api('/api/uploads', {
      method: 'POST',
      body: JSON.stringify({ filename: 'f.jpg', size: bytes.length, contentType: 'image/jpeg' }),
    })
  ).json()) as {
    assetId: string;
    url: string;
    headers: Record<string, string>;
  };
  expect((await fetch(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(bytes) })).status).toBe(200);
  const detail = await until('asset ready', async () => {
    const d = (await (await api(`/api/assets/${start.assetId}`)).json()) as { status: string; media: { variant: string; url: string }[] };
    return d.status === 'ready' ? d : undefined;
  });
  media.assetId = start.assetId;
  media.m = detail.media.find((m) => m.variant === 'w320.webp')!.url;
  media.mCold = detail.media.find((m) => m.variant !== 'w320.webp' && m.variant !== 'original')!.url;
  const link = (await (
    await api('/api/share-links', {
      method: 'POST',
      body: JSON.stringify({ resourceType: 'asset', resourceId: start.assetId, permission: 'view' }),
    })
  ).json()) as { url: string };
  media.s = `${link.url}w320.webp`;
}, 240_000);

afterAll(async () => {
  storageProxy?.thaw();
  databaseProxy?.thaw();
  cdnProxy?.thaw();
  await edge?.close();
  await storageProxy?.close();
  await databaseProxy?.close();
  await cdnProxy?.close();
  await env?.close();
});

const marker = `frozen-${crypto.randomUUID()}`;

/** Every kind of request the edge serves; names, filenames and request ids carry `tag`. */
const requestsFor = (tag: string): Record<string, () => Promise<Response>> => {
  const id = (kind: string) => ({ 'x-request-id': `${tag}-${kind}` });
  return {
    'API read': () => api('/api/assets', { headers: id('read') }),
    'API write': () => api('/api/collections', { method: 'POST', body: JSON.stringify({ name: tag }), headers: id('write') }),
    'media GET /m': () => fetch(`${edge.url}${tag === frozenTag ? media.mCold : media.m}`, { headers: id('m') }),
    'media GET /s': () => fetch(`${edge.url}${media.s}`, { headers: id('s') }),
    'upload start': () =>
      api('/api/uploads', {
        method: 'POST',
        body: JSON.stringify({ filename: `${tag}.jpg`, size: 1000, contentType: 'image/jpeg' }),
        headers: id('upload'),
      }),
    'multipart upload start': () =>
      api('/s3/multipart', {
        method: 'POST',
        body: JSON.stringify({ filename: `${tag}.bin`, type: 'application/octet-stream', metadata: { size: 64 * 1024 * 1024 } }),
        headers: id('multipart'),
      }),
  };
};

async function allSucceed(tag: string): Promise<void> {
  for (const [name, send] of Object.entries(requestsFor(tag))) {
    const res = await send();
    expect(res.status, name).toBeLessThan(300);
    await res.body?.cancel();
  }
}

const frozenTag = `${marker}-frozen`;

describe('storage and the database frozen', () => {
  it('works before the freeze (the control)', async () => {
    await allSucceed(`${marker}-before`);
  });

  it('answers every kind of request 503 with Retry-After and the error shape while still frozen, logged as a warning', async () => {
    freeze();
    const started = Date.now();
    const requests = requestsFor(frozenTag);
    const names = Object.keys(requests);
    const answered = await Promise.all(
      names.map(async (name) => {
        const res = await requests[name]!();
        return {
          name,
          res,
          ms: Date.now() - started,
          body: (await res.json()) as { error: { code: string; message: string; requestId: string } },
        };
      }),
    );
    const health = await fetch(`${edge.url}/healthz`);
    // Still frozen: every answer above came while the dependencies hung.
    for (const { name, res, body } of answered) {
      expect(res.status, name).toBe(503);
      expect(res.headers.get('retry-after'), name).toBe(String(RETRY_AFTER_SECONDS));
      expect(body, name).toEqual({
        error: { code: 'dependency_timeout', message: expect.any(String), requestId: res.headers.get('x-request-id') },
      });
      expect(body.error.requestId, name).toMatch(new RegExp(`^${frozenTag}-`));
    }
    expect(health.status).toBe(503);
    expect(health.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS));
    console.info(`frozen: ${answered.map((a) => `${a.name} ${a.ms} ms`).join(', ')}`);
    // One warning per request, with its id; no error-level line, no stack.
    const lines = await until('warnings logged', async () => {
      const found = logs.split('\n').filter((l) => l.includes(frozenTag));
      return found.length >= names.length ? found : undefined;
    });
    for (const line of lines)
      expect(JSON.parse(line.slice(line.indexOf('{')))).toMatchObject({
        level: 'warn',
        requestId: expect.stringMatching(new RegExp(`^${frozenTag}-`)),
      });
    expect(logs).not.toMatch(/"level":"error"/);
    thaw();
  });

  it('works again after the thaw, and the requests answered 503 left nothing behind', async () => {
    thaw();
    const read = await until('API read after thaw', async () => {
      const res = await api('/api/assets?limit=100');
      return res.status === 200 ? ((await res.json()) as { items: { filename: string }[] }) : undefined;
    });
    // The upload starts answered 503 created no asset; the collection write created no collection.
    expect(read.items.filter((a) => a.filename.startsWith(frozenTag))).toEqual([]);
    // The control's rows are there: the check above can see what it looks for.
    expect(read.items.filter((a) => a.filename.startsWith(`${marker}-before`))).toHaveLength(2);
    const collections = (await (await api('/api/collections')).json()) as { items: { name: string }[] };
    expect(collections.items.filter((c) => c.name === frozenTag)).toEqual([]);
    expect(collections.items.filter((c) => c.name === `${marker}-before`)).toHaveLength(1);
    await allSucceed(`${marker}-after`);
    expect((await fetch(`${edge.url}/healthz`)).status).toBe(200);
  });
});
