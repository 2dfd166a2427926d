/**
 * Phone and camera files in Chromium against the local stack with the real
 * pipeline: a portrait HEIC (irot + GPS, made by heif-enc and exiftool), an
 * MP3 and a BMP are uploaded through the API; the browser shows the HEIC
 * upright from its srcset with its camera and place, plays the MP3's AAC
 * preview under its waveform, and says why the BMP has no preview.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { audioFile, bmp, heic } from '../node/support/media-fixtures.ts';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { screenshot } from './support/screens.ts';
import { startE2eStack, type E2eStack } from './support/stack.ts';

let stack: E2eStack;
let b: E2eBrowser;
let ctx: BrowserContext;
let page: Page;
const user = { email: `media-${crypto.randomUUID()}@example.test`, password: 'correct horse battery staple', token: '' };
const ids = { heic: '', mp3: '', bmp: '' };

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      origin: stack.url,
      ...(user.token ? { authorization: `Bearer ${user.token}` } : {}),
      ...init.headers,
    },
  });
}

async function upload(filename: string, contentType: string, bytes: Buffer): Promise<string> {
  const res = await api('/api/uploads', { method: 'POST', body: JSON.stringify({ filename, size: bytes.length, contentType }) });
  if (res.status !== 201) throw new Error(`upload start: ${res.status} ${await res.text()}`);
  const start = (await res.json()) as { assetId: string; url: string; headers: Record<string, string> };
  const put = await fetch(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(bytes) });
  if (!put.ok) throw new Error(`upload PUT: ${put.status} ${await put.text()}`);
  return start.assetId;
}

async function settled(assetId: string, timeoutMs: number): Promise<{ status: string; reason?: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = (await (await api(`/api/assets/${assetId}/status`)).json()) as { status: string; reason?: string };
    if (!['pending', 'uploaded', 'processing'].includes(s.status)) return s;
    if (Date.now() > until) throw new Error(`asset ${assetId} still ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  const t0 = Date.now();
  const mark = (what: string) => process.env.E2E_DEBUG && console.error(`media e2e: ${what} at ${Date.now() - t0} ms`);
  [stack, b] = await Promise.all([startE2eStack(), launchBrowser()]);
  mark('stack up');
  const reg = await api('/api/auth/register', {
    method: 'POST',
    body: JSON.stringify({ email: user.email, password: user.password, name: 'Media' }),
  });
  if (reg.status !== 201) throw new Error(`register: ${reg.status}`);
  user.token = ((await reg.json()) as { accessToken: string }).accessToken;
  const [photo, song, bitmap] = await Promise.all([
    heic({ width: 900, height: 600, irot: 3, exifOrientation: 6 }),
    audioFile('mp3', 3),
    bmp(),
  ]);
  ids.heic = await upload('IMG_0001.HEIC', 'image/heic', photo);
  ids.mp3 = await upload('tone.mp3', 'audio/mpeg', song);
  ids.bmp = await upload('paint.bmp', 'image/bmp', bitmap);
  mark('uploaded');
  ctx = await b.context();
  page = await ctx.newPage();
  await page.goto(`${stack.url}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}/`);
  const states = await Promise.all(Object.values(ids).map((id) => settled(id, 240_000)));
  expect(states.map((s) => s.status)).toEqual(['ready', 'ready', 'ready']);
}, 300_000);

afterAll(async () => {
  await ctx?.close();
  await b?.close();
  await stack?.close();
});

test('the HEIC shows upright from its srcset, with camera and GPS', async () => {
  await page.goto(`${stack.url}/assets/${ids.heic}`);
  const img = page.locator('.image-viewer img');
  await img.waitFor();
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
  const size = await img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight]);
  expect(size[1]).toBeGreaterThan(size[0]!); // portrait, as irot says
  expect(await img.evaluate((el: HTMLImageElement) => el.currentSrc)).toMatch(/\/m\/[0-9a-f-]+\/w\d+\.(webp|jpg)\?t=/);
  const details = page.locator('.metadata-panel');
  await expect.poll(() => details.getByText('iPhone 15').count()).toBe(1);
  expect(await details.getByText('600 × 900 px').isVisible()).toBe(true);
  expect(await page.locator('.preview-note').count()).toBe(0);
  await screenshot(page, 'asset-heic');
});

test('the MP3 shows its waveform and plays its AAC preview', async () => {
  await page.goto(`${stack.url}/assets/${ids.mp3}`);
  const wave = page.locator('.audio-player img.waveform');
  await wave.waitFor();
  await expect.poll(() => wave.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBe(1024);
  const audio = page.locator('.audio-player audio');
  expect(await audio.getAttribute('src')).toMatch(/\/m\/[0-9a-f-]+\/preview\.mp4\?t=/);
  await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  expect(await audio.evaluate((a: HTMLAudioElement) => Math.round(a.duration))).toBe(3);
  await audio.evaluate(async (a: HTMLAudioElement) => {
    a.muted = true;
    await a.play();
  });
  await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);
  await audio.evaluate((a: HTMLAudioElement) => a.pause());
  const details = page.locator('.metadata-panel');
  await expect.poll(() => details.getByText('The Testers').count()).toBe(1);
  await screenshot(page, 'asset-audio');
});

test('the BMP says why it has no preview', async () => {
  await page.goto(`${stack.url}/assets/${ids.bmp}`);
  const note = page.locator('.preview-note');
  await note.waitFor();
  expect(await note.textContent()).toBe('No preview: image/bmp has no decoder here; the original is stored as it is');
  const detail = (await (await api(`/api/assets/${ids.bmp}`)).json()) as { status: string; statusReason: string };
  expect(detail).toMatchObject({
    status: 'ready',
    statusReason: 'no_preview: image/bmp has no decoder here; the original is stored as it is',
  });
});

test('a view link to the MP3 shows the waveform and plays the preview, with no download', async () => {
  const res = await api('/api/share-links', {
    method: 'POST',
    body: JSON.stringify({ resourceType: 'asset', resourceId: ids.mp3, permission: 'view' }),
  });
  expect(res.status).toBe(201);
  const link = (await res.json()) as { url: string };
  const token = /^\/s\/([^/]+)\/$/.exec(link.url)![1];
  const anon = await (await b.context()).newPage();
  await anon.goto(`${stack.url}/share/${token}`);
  const audio = anon.locator('.share-audio audio');
  await audio.waitFor();
  expect(await anon.locator('.share-video').count()).toBe(0);
  await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  expect(await audio.evaluate((a: HTMLAudioElement) => Math.round(a.duration))).toBe(3);
  const wave = anon.locator('.share-audio img.waveform');
  await expect.poll(() => wave.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBe(1024);
  expect(await anon.getByRole('link', { name: /Download/ }).count()).toBe(0);
  await anon.close();
});

test('no console errors on any page', () => {
  expect(b.errors).toEqual([]);
});
