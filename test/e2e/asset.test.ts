/**
 * The asset and collection pages in Chromium against the local stack with
 * the real pipeline (sharp, ffmpeg): a JPEG with EXIF and a short H.264 clip
 * are uploaded through the API, then the browser shows the image from its
 * srcset, the EXIF, plays the video with hls.js, edits title and tags, files
 * both in a new collection and reorders it with the Move buttons.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { uploadAsset } from './support/assets.ts';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { screenshot } from './support/screens.ts';
import { startE2eStack, type E2eStack } from './support/stack.ts';

const run = promisify(execFile);
/** Optional folder for extra screenshots (narrow and dark variants) to look at; not kept in docs/. */
const EXTRA_SHOTS = process.env.E2E_EXTRA_SHOTS;

/** At phone width nothing may scroll sideways; in dark mode too. Extra screenshots when asked for. */
async function checkNarrowAndDark(name: string): Promise<void> {
  await page.setViewportSize({ width: 360, height: 780 });
  if (EXTRA_SHOTS) await page.screenshot({ path: path.join(EXTRA_SHOTS, `${name}-360.png`), fullPage: true });
  // Elements reaching past the right edge (named, so a failure says which).
  const overflowing = await page.evaluate(() => {
    const limit = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > limit + 0.5)
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
  });
  expect(overflowing).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  if (EXTRA_SHOTS) await page.screenshot({ path: path.join(EXTRA_SHOTS, `${name}-360-dark.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });
  if (EXTRA_SHOTS) await page.screenshot({ path: path.join(EXTRA_SHOTS, `${name}-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
}

let stack: E2eStack;
let b: E2eBrowser;
let tmp: string;
let ctx: BrowserContext;
let page: Page;
const user = {
  email: `asset-${crypto.randomUUID()}@example.test`,
  password: 'correct horse battery staple',
  name: 'Asset Tester',
  token: '',
};
const ids = { image: '', video: '', collection: '' };
const collectionName = `Holiday ${Date.now()}`;

async function register(): Promise<void> {
  const res = await fetch(`${stack.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.url },
    body: JSON.stringify({ email: user.email, password: user.password, name: user.name }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  user.token = ((await res.json()) as { accessToken: string }).accessToken;
}

async function settled(assetId: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${stack.url}/api/assets/${assetId}/status`, { headers: { authorization: `Bearer ${user.token}` } });
    const s = (await res.json()) as { status: string; reason?: string };
    if (!['pending', 'uploaded', 'processing'].includes(s.status)) return s.reason ? `${s.status}: ${s.reason}` : s.status;
    if (Date.now() > until) throw new Error(`asset ${assetId} still ${s.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function photo(): Promise<Buffer> {
  // A gradient with some structure, so the derivatives and the ThumbHash are not flat.
  const width = 1600;
  const height = 1000;
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      rgb[i] = Math.round((x / width) * 255);
      rgb[i + 1] = Math.round((y / height) * 200);
      rgb[i + 2] = (x >> 6) % 2 === (y >> 6) % 2 ? 180 : 60;
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .withExif({ IFD0: { Make: 'E2ECam', Model: 'Model Seven' }, IFD2: { DateTimeOriginal: '2024:05:01 12:34:56' } })
    .toBuffer();
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
    'testsrc=duration=4:size=640x360:rate=25',
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
  tmp = await mkdtemp(path.join(os.tmpdir(), 'asset-e2e-'));
  [stack, b] = await Promise.all([startE2eStack(), launchBrowser()]);
  await register();
  const [jpeg, mp4] = await Promise.all([photo(), clip()]);
  ids.image = await uploadAsset(stack, user, 'sunset.jpg', 'image/jpeg', jpeg);
  ids.video = await uploadAsset(stack, user, 'clip.mp4', 'video/mp4', mp4);
  ctx = await b.context();
  page = await ctx.newPage();
  // Sign in through the UI while the pipeline works.
  await page.goto(`${stack.url}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}/`);
  const [imageStatus, videoStatus] = await Promise.all([settled(ids.image, 60_000), settled(ids.video, 120_000)]);
  expect(imageStatus).toBe('ready');
  expect(videoStatus).toBe('ready');
}, 180_000);

afterAll(async () => {
  await ctx?.close();
  await b?.close();
  await stack?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('the image page shows a srcset image over its placeholder and the EXIF', async () => {
  await page.goto(`${stack.url}/assets/${ids.image}`);
  const img = page.locator('.image-viewer img');
  await img.waitFor();
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
  const { current, candidates } = await img.evaluate((el: HTMLImageElement) => {
    const sets = [el.srcset, ...[...(el.parentElement?.querySelectorAll('source') ?? [])].map((s) => s.srcset)];
    const urls = sets.flatMap((s) => s.split(',').map((part) => new URL(part.trim().split(/\s+/)[0]!, location.href).href));
    return { current: el.currentSrc, candidates: urls };
  });
  expect(candidates.length).toBeGreaterThanOrEqual(4);
  expect(candidates).toContain(current);
  expect(current).toMatch(/\/m\/[0-9a-f-]+\/w\d+\.(webp|jpg)\?t=/);
  // The decoded size comes from the derivatives: width/height attributes reserve the space.
  expect(await img.getAttribute('width')).toBe('1024');
  expect(await img.getAttribute('height')).toBe('640');

  const details = page.locator('.metadata-panel');
  await expect.poll(() => details.locator('dt', { hasText: /^Make$/ }).count()).toBe(1);
  expect(await details.getByText('E2ECam').isVisible()).toBe(true);
  expect(await details.getByText('Model Seven').isVisible()).toBe(true);
  expect(await details.getByText('1600 × 1000 px').isVisible()).toBe(true);
  // The download link is the original's signed URL asking for an attachment.
  const download = await page.getByRole('link', { name: 'Download' }).getAttribute('href');
  expect(download).toMatch(new RegExp(`^/m/${ids.image}/original\\?t=[^&]+&download=1$`));
  const head = await fetch(`${stack.url}${download}`, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(head.headers.get('content-disposition')).toMatch(/^attachment/);
  await screenshot(page, 'asset-image');
  await checkNarrowAndDark('asset-image');
});

test('the title is edited and persists; tags are added and removed with the keyboard', async () => {
  await page.getByLabel('Title').fill('Sunset over the test pattern');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved.' }).count()).toBe(1);
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sunset over the test pattern');

  const tagInput = page.getByLabel('Add a tag');
  await tagInput.fill('beach');
  await tagInput.press('Enter');
  await expect.poll(() => page.getByRole('button', { name: 'Remove tag beach' }).count()).toBe(1);
  await tagInput.pressSequentially('evening,');
  await expect.poll(() => page.getByRole('button', { name: 'Remove tag evening' }).count()).toBe(1);
  await tagInput.fill('draft');
  await tagInput.press('Enter');
  await expect.poll(() => page.getByRole('button', { name: 'Remove tag draft' }).count()).toBe(1);
  // Backspace in the empty input reaches the last chip's remove button; Enter removes it.
  await tagInput.press('Backspace');
  expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Remove tag draft');
  await page.keyboard.press('Enter');
  await expect.poll(() => page.getByRole('button', { name: 'Remove tag draft' }).count()).toBe(0);

  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Sunset over the test pattern' }).waitFor();
  expect(await page.getByLabel('Title').inputValue()).toBe('Sunset over the test pattern');
  expect(await page.locator('.chips .chip a').allTextContents()).toEqual(['beach', 'evening']);
});

test('a collection created from the picker holds the asset', async () => {
  await page.getByLabel('New collection').fill(collectionName);
  await page.getByRole('button', { name: 'Create and add' }).click();
  const added = page.getByRole('link', { name: collectionName });
  await added.waitFor();
  ids.collection = (await added.getAttribute('href'))!.split('/').pop()!;
  await added.click();
  await page.waitForURL(`${stack.url}/collections/${ids.collection}`);
  await expect.poll(() => page.locator('.item-grid .item-name').allTextContents()).toEqual(['Sunset over the test pattern']);
});

test('the video plays through hls.js from its HLS ladder', async () => {
  await page.goto(`${stack.url}/assets/${ids.video}`);
  const video = page.locator('.video-player video');
  await video.waitFor();
  expect(await video.getAttribute('poster')).toMatch(/\/m\/[0-9a-f-]+\/poster\.jpg\?t=/);
  // Also into the collection, through the picker's existing-collection form.
  await page.getByLabel('Collection', { exact: true }).selectOption({ label: collectionName });
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Added to ${collectionName}` })
    .waitFor();

  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
  // hls.js feeds the element through Media Source Extensions: its src is a blob: URL.
  expect(await video.evaluate((v: HTMLVideoElement) => v.currentSrc)).toMatch(/^blob:/);
  await video.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    await v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(1);
  await video.evaluate((v: HTMLVideoElement) => v.pause());
  expect(await page.locator('.metadata-panel').getByText('0:04').isVisible()).toBe(true);
  await screenshot(page, 'asset-video');
  await checkNarrowAndDark('asset-video');
});

test('the collection is reordered with the Move buttons and keeps its order', async () => {
  await page.goto(`${stack.url}/collections`);
  await page.getByRole('link', { name: collectionName }).click();
  await page.waitForURL(`${stack.url}/collections/${ids.collection}`);
  const names = () => page.locator('.item-grid .item-name').allTextContents();
  await expect.poll(names).toEqual(['Sunset over the test pattern', 'clip.mp4']);
  // Wait for the thumbnails, for the screenshot.
  await expect
    .poll(() =>
      page
        .locator('.item-grid img')
        .evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)),
    )
    .toBe(true);

  await page.getByRole('button', { name: 'Move down: Sunset over the test pattern' }).click();
  await expect.poll(names).toEqual(['clip.mp4', 'Sunset over the test pattern']);
  await page.getByRole('status').filter({ hasText: 'Moved' }).waitFor({ state: 'attached' });
  // Focus follows the moved item (its Move up button, now that it is last).
  expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Move up: Sunset over the test pattern');

  await page.reload();
  await expect.poll(names).toEqual(['clip.mp4', 'Sunset over the test pattern']);
  await expect
    .poll(() =>
      page
        .locator('.item-grid img')
        .evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)),
    )
    .toBe(true);
  await screenshot(page, 'collection');
  await checkNarrowAndDark('collection');
  await page.goto(`${stack.url}/collections`);
  await page.getByRole('link', { name: collectionName }).waitFor();
  await checkNarrowAndDark('collections');
});

test('a file still being processed shows its state and turns into the player by itself', async () => {
  const id = await uploadAsset(stack, user, 'second.mp4', 'video/mp4', await clip());
  await page.goto(`${stack.url}/assets/${id}`);
  await page
    .getByRole('status')
    .filter({ hasText: /Processing this file|Waiting for the upload/ })
    .waitFor();
  // No reload: the page polls the status and fetches the asset once it is ready.
  await page.locator('.video-player video').waitFor({ timeout: 120_000 });
  expect(await page.getByRole('status').filter({ hasText: 'Processing this file' }).count()).toBe(0);
}, 150_000);

test('delete moves the asset to the trash', async () => {
  await page.goto(`${stack.url}/assets/${ids.image}`);
  await page.getByRole('button', { name: 'Delete…' }).click();
  // The confirmation takes focus (after its render, so wait for it); Enter confirms.
  await expect.poll(() => page.evaluate(() => document.activeElement?.textContent), { timeout: 10_000 }).toBe('Move to trash');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${stack.url}/trash`);
  const res = await fetch(`${stack.url}/api/assets/${ids.image}`, { headers: { authorization: `Bearer ${user.token}` } });
  expect(((await res.json()) as { deletedAt: string | null }).deletedAt).not.toBeNull();
});

test('no console errors on any page', () => {
  expect(b.errors).toEqual([]);
});
