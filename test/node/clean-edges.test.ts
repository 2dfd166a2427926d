/**
 * Clean edges against the real runtime (the local stack's edge bundle in
 * workerd), spoken to over raw TCP sockets: malformed framing and bodies
 * answer 400 in the one error shape, a client that goes away mid-body is
 * logged at info with its request id, and one that leaves mid-response
 * logs nothing at error level — never a stack.
 */
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type EdgeRuntime } from '../../local/edge-runtime.ts';
import { derivativeKey } from '../../shared/storage/keys.ts';
import { smallJpeg } from './support/samples.ts';
import { startUploadStack, type UploadStack } from './support/upload-stack.ts';

let env: UploadStack;
let edge: EdgeRuntime;
let token: string;
let logs = '';
let mediaPath = '';

beforeAll(async () => {
  env = await startUploadStack();
  edge = await startEdge({
    scriptPath: path.join(env.dataDir, 'edge-build', 'index.js'),
    port: 0,
    bindings: env.stack.bindings,
    stdio: (out, err) => {
      out.on('data', (d) => (logs += d));
      err.on('data', (d) => (logs += d));
    },
  });
  token = (await env.register('edges')).accessToken;
  const bytes = await smallJpeg(320, 240);
  const start = (await (
    await fetch(`${edge.url}/api/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'e.jpg', size: bytes.length, contentType: 'image/jpeg' }),
    })
  ).json()) as { assetId: string; url: string; headers: Record<string, string> };
  expect((await fetch(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(bytes) })).status).toBe(200);
  for (let i = 0; ; i++) {
    const d = (await (
      await fetch(`${edge.url}/api/assets/${start.assetId}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      status: string;
      media: { variant: string; url: string }[];
    };
    if (d.status === 'ready') {
      mediaPath = d.media.find((m) => m.variant === 'w320.webp')!.url;
      break;
    }
    if (i > 450) throw new Error('asset never ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  // A body large enough to still be streaming when the client leaves.
  const big = new Uint8Array(32 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
  await env.storage.put(env.stack.bindings.S3_BUCKET_DERIVATIVES!, derivativeKey(start.assetId, 'w320.webp'), big, {
    contentType: 'image/webp',
  });
}, 240_000);

afterAll(async () => {
  await edge?.close();
  await env?.close();
});

/** Sends `head` (and then `body` parts) on a raw socket; resolves with everything the server sent until it closed. */
function raw(parts: (string | Buffer)[], opts: { closeAfterWrite?: boolean; readBytes?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL(edge.url);
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let got = 0;
    socket.on('connect', () => {
      for (const p of parts) socket.write(p);
      if (opts.closeAfterWrite) setTimeout(() => socket.destroy(), 300);
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (opts.readBytes !== undefined && got >= opts.readBytes) socket.destroy();
    });
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.setTimeout(60_000, () => socket.destroy(new Error('no answer within 60 s')));
  });
}

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

async function logLines(rid: string): Promise<Record<string, unknown>[]> {
  // The runtime's console reaches us asynchronously; wait (bounded) for the request's lines.
  for (let i = 0; i < 100 && !logs.includes(rid); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 300));
  return logs
    .split('\n')
    .filter((l) => l.includes(rid))
    .map((l) => {
      try {
        return JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>;
      } catch {
        return { raw: l };
      }
    });
}

/** The status code and JSON body of a raw HTTP/1.1 answer. */
function parse(answer: string): { status: number; json: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  try {
    return { status, json: JSON.parse(body) };
  } catch {
    return { status, json: body };
  }
}

/** The Worker's own log lines (JSON) for a request: all below error level, none with a stack. */
function expectQuiet(lines: Record<string, unknown>[]): void {
  for (const line of lines) {
    expect(line.level).not.toBe('error');
    expect(line).not.toHaveProperty('stack');
  }
}

const post = (path: string, rid: string, extra: string[]) =>
  head([
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Authorization: Bearer ${token}`,
    'Content-Type: application/json',
    `X-Request-Id: ${rid}`,
    ...extra,
  ]);

describe('malformed framing and bodies', () => {
  for (const route of ['/api/uploads', '/api/collections']) {
    it(`a malformed chunked body on ${route} answers 400 in the error shape, logged at info with the request id`, async () => {
      const rid = `edges-chunked-${crypto.randomUUID()}`;
      const answer = parse(
        await raw([post(route, rid, ['Transfer-Encoding: chunked', 'Connection: close']), 'ZZZ\r\n{"name":"x"}\r\n0\r\n\r\n']),
      );
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ error: { code: 'bad_request', message: expect.stringMatching(/could not be read/), requestId: rid } });
      const lines = await logLines(rid);
      expect(lines).toEqual([expect.objectContaining({ level: 'info', code: 'bad_request', requestId: rid })]);
      expectQuiet(lines);
    });
  }

  it('a well-formed chunked body is read as usual (the control)', async () => {
    const rid = `edges-chunked-ok-${crypto.randomUUID()}`;
    const json = '{"name":"chunked control"}';
    const answer = parse(
      await raw([
        post('/api/collections', rid, ['Transfer-Encoding: chunked', 'Connection: close']),
        `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`,
      ]),
    );
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ name: 'chunked control' });
  });
});

describe('a client that goes away', () => {
  it('mid-body: logged at info with its request id, not as an error', async () => {
    const rid = `edges-midbody-${crypto.randomUUID()}`;
    await raw([post('/api/uploads', rid, ['Content-Length: 1000']), '{"filename":'], { closeAfterWrite: true });
    const lines = await logLines(rid);
    expect(lines).toEqual([expect.objectContaining({ level: 'info', requestId: rid })]);
    expectQuiet(lines);
  });

  it('mid-response: nothing at error level (workerd ends the request; no code of ours runs after the client leaves)', async () => {
    const rid = `edges-midresp-${crypto.randomUUID()}`;
    const before = logs.length;
    const answer = await raw([head([`GET ${mediaPath} HTTP/1.1`, 'Host: 127.0.0.1', `X-Request-Id: ${rid}`])], { readBytes: 200_000 });
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toMatch(/Content-Length: 33554432/i);
    expectQuiet(await logLines(rid));
    // Neither the Worker nor the runtime reports the disconnect as an error.
    expect(logs.slice(before)).not.toMatch(/"level":"error"|\berror:/);
  });

  it('a download read to its end logs nothing (the control)', async () => {
    const rid = `edges-full-${crypto.randomUUID()}`;
    const res = await fetch(`${edge.url}${mediaPath}`, { headers: { 'x-request-id': rid } });
    expect((await res.arrayBuffer()).byteLength).toBe(32 * 1024 * 1024);
    expect(await logLines(rid)).toEqual([]);
  });
});
