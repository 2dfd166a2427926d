/**
 * Media embedded on somebody else's site, in Chromium: a page served from
 * another origin (test/e2e/support/third-party.ts) plays a public video and
 * a share-link video with hls.js, plays a password link's video with only
 * `?u=` (no cookies: a fresh context on another origin), and draws a public
 * image into a canvas and reads it back (CORS, so the canvas is not tainted).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { startE2eStack, type E2eStack } from './support/stack.ts';
import { startThirdPartySite, type ThirdPartySite } from './support/third-party.ts';

const run = promisify(execFile);
const COLOUR = { r: 40, g: 110, b: 200 };
const PASSWORD = 'embed password 99';

let stack: E2eStack;
let site: ThirdPartySite;
let b: E2eBrowser;
let tmp: string;
let auth: Record<string, string>;
const ids = { image: '', video: '' };

async function api<T>(method: string, url: string, body?: unknown, expected = 200): Promise<T> {
  const res = await fetch(`${stack.url}${url}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), origin: stack.url },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status !== expected) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function upload(filename: string, contentType: string, bytes: Buffer): Promise<string> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const start = await api<{ assetId: string; url: string; headers: Record<string, string> }>(
    'POST',
    '/api/uploads',
    { filename, size: bytes.length, contentType, sha256 },
    201,
  );
  const put = await fetch(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(bytes) });
  if (!put.ok) throw new Error(`PUT: ${put.status} ${await put.text()}`);
  return start.assetId;
}

/** Waits for the pipeline to settle the asset (expect.poll only works inside a test). */
async function ready(assetId: string): Promise<void> {
  for (;;) {
    const { status } = await api<{ status: string }>('GET', `/api/assets/${assetId}/status`);
    if (status === 'ready') return;
    if (!['pending', 'uploaded', 'processing'].includes(status)) throw new Error(`asset ${assetId} ended ${status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function clip(): Promise<Buffer> {
  const out = path.join(tmp, 'clip.mp4');
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc=duration=4:size=320x180:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=duration=4',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    out,
  ]);
  return readFile(out);
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'embed-e2e-'));
  [stack, site, b] = await Promise.all([startE2eStack(), startThirdPartySite(), launchBrowser()]);
  const email = `embed-${crypto.randomUUID()}@example.test`;
  const reg = await fetch(`${stack.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.url },
    body: JSON.stringify({ email, password: PASSWORD, name: 'Embedder' }),
  });
  auth = { authorization: `Bearer ${((await reg.json()) as { accessToken: string }).accessToken}` };
  const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: COLOUR } })
    .png()
    .toBuffer();
  ids.image = await upload('square.png', 'image/png', png);
  ids.video = await upload('clip.mp4', 'video/mp4', await clip());
  await Promise.all([ready(ids.image), ready(ids.video)]);
  for (const id of [ids.image, ids.video]) await api('PATCH', `/api/assets/${id}`, { visibility: 'public' });
}, 180_000);

afterAll(async () => {
  await b?.close();
  await site?.close();
  await stack?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A fresh context (no cookies) on the other site's page. */
async function thirdPartyPage(): Promise<Page> {
  const page = await (await b.context()).newPage();
  await page.goto(site.url);
  expect(new URL(page.url()).origin).not.toBe(stack.url);
  return page;
}

async function plays(page: Page, src: string): Promise<void> {
  const i = await page.evaluate((s) => (window as unknown as { play(s: string): number }).play(s), src);
  await expect
    .poll(() => page.evaluate((n) => (window as unknown as { currentTime(n: number): number }).currentTime(n), i), { timeout: 30_000 })
    .toBeGreaterThan(1);
  expect(await page.evaluate(() => (window as unknown as { hlsErrors: string[] }).hlsErrors)).toEqual([]);
}

test('a public video and a share-link video play with hls.js on another site', async () => {
  const page = await thirdPartyPage();
  await plays(page, `${stack.url}/m/${ids.video}/hls/master.m3u8`);
  const link = await api<{ token: string }>('POST', '/api/share-links', { resourceType: 'asset', resourceId: ids.video }, 201);
  await plays(page, `${stack.url}/s/${link.token}/hls/master.m3u8`);
  expect(b.errors).toEqual([]);
});

test("a password link's video plays with ?u= alone, without cookies", async () => {
  const link = await api<{ token: string }>(
    'POST',
    '/api/share-links',
    { resourceType: 'asset', resourceId: ids.video, password: PASSWORD },
    201,
  );
  const unlock = await fetch(`${stack.url}/api/share/${link.token}/unlock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: PASSWORD }),
  });
  const { unlockToken } = (await unlock.json()) as { unlockToken: string };
  const page = await thirdPartyPage();
  expect(await page.context().cookies(stack.url)).toEqual([]);
  await plays(page, `${stack.url}/s/${link.token}/hls/master.m3u8?u=${encodeURIComponent(unlockToken)}`);
  expect(b.errors).toEqual([]);
});

test('a public image is drawn into a canvas on another site and read back', async () => {
  const page = await thirdPartyPage();
  const src = `${stack.url}/m/${ids.image}/w320.webp`;
  const [r, g, bl, a] = await page.evaluate(
    (s) => (window as unknown as { drawAndRead(s: string): Promise<number[]> }).drawAndRead(s),
    src,
  );
  // WebP is lossy: the colour comes back close to what was uploaded.
  expect(Math.abs(r! - COLOUR.r) + Math.abs(g! - COLOUR.g) + Math.abs(bl! - COLOUR.b)).toBeLessThan(12);
  expect(a).toBe(255);
  expect(b.errors).toEqual([]);
});
