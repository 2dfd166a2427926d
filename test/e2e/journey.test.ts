/**
 * The whole product in one visit, as the SPA issue states it: sign up,
 * upload an image and a short video through the Uppy dashboard, see their
 * thumbnails appear in the library, play the video's HLS ladder (currentTime
 * advances), create a password-protected link, open it in a fresh browser
 * context, revoke it and see it refused. The other e2e files go deeper into
 * each part; this one holds them together. No console errors but the
 * expected refusals on the visitor's share page.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { startE2eStack, type E2eStack } from './support/stack.ts';

const run = promisify(execFile);
let stack: E2eStack;
let b: E2eBrowser;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'journey-e2e-'));
  [stack, b] = await Promise.all([startE2eStack(), launchBrowser()]);
});
afterAll(async () => {
  await b?.close();
  await stack?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const eventually = <T>(fn: () => T | Promise<T>, timeout = 20_000) => expect.poll(fn, { timeout, interval: 150 });

async function media(): Promise<{ jpeg: Buffer; mp4: Buffer }> {
  const jpeg = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 220, g: 120, b: 40 } } })
    .composite([{ input: Buffer.from('<svg width="1200" height="800"><circle cx="600" cy="400" r="300" fill="#2456c7"/></svg>') }])
    .jpeg()
    .toBuffer();
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
  return { jpeg, mp4: await readFile(out) };
}

test('sign up, upload an image and a video through Uppy, watch, share with a password, revoke', async () => {
  const files = await media();
  const ctx = await b.context();
  const page = await ctx.newPage();

  // Sign up.
  await page.goto(`${stack.url}/register`);
  await page.getByLabel('Name').fill('Journey Person');
  await page.getByLabel('Email').fill(`journey-${crypto.randomUUID()}@example.test`);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${stack.url}/`);

  // Upload both through the stock Uppy dashboard and watch them get processed.
  await page.getByRole('link', { name: 'Upload', exact: true }).click();
  const input = page.locator('.uppy-Dashboard-input').first();
  await input.waitFor({ state: 'attached' });
  await input.setInputFiles([
    { name: 'harbour.jpg', mimeType: 'image/jpeg', buffer: files.jpeg },
    { name: 'clip.mp4', mimeType: 'video/mp4', buffer: files.mp4 },
  ]);
  await page.getByRole('button', { name: /^Upload 2 files/ }).click();
  const row = (name: string) => page.locator('.processing-row', { hasText: name });
  await eventually(() => row('harbour.jpg').locator('.status-badge').textContent(), 90_000).toBe('Ready');
  await eventually(() => row('clip.mp4').locator('.status-badge').textContent(), 150_000).toBe('Ready');
  const imageId = (await row('harbour.jpg').getAttribute('data-asset-id'))!;
  const videoId = (await row('clip.mp4').getAttribute('data-asset-id'))!;

  // Both thumbnails appear in the library (the video's is made from its poster frame).
  await page.getByRole('link', { name: 'Library', exact: true }).click();
  for (const id of [imageId, videoId]) {
    const img = page.locator(`.asset-grid [data-asset-id="${id}"] img`);
    await img.waitFor();
    await eventually(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  }

  // Play the video from its HLS ladder (a card opens the viewer; its page is one link away).
  await page.locator(`.asset-grid [data-asset-id="${videoId}"] a`).first().click();
  await page.getByRole('dialog').getByRole('link', { name: 'Open page' }).click();
  await page.waitForURL(`${stack.url}/assets/${videoId}`);
  const video = page.locator('.video-player video');
  await video.waitFor();
  await eventually(() => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(1);
  await video.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    await v.play();
  });
  await eventually(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(1);

  // A password-protected link to the image.
  await page.goto(`${stack.url}/assets/${imageId}`);
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: /Share/ });
  const linkForm = dialog.getByRole('form', { name: 'Create a link' });
  await linkForm.getByLabel('Password (optional)').fill('harbour lights 7');
  await linkForm.getByRole('button', { name: 'Create link' }).click();
  const card = dialog.getByRole('listitem').filter({ hasText: 'Link 1' });
  const shareUrl = await card.getByLabel('Address of link 1').inputValue();

  // Opened in a fresh context: the password, then the image.
  const visitorCtx = await b.context();
  const visitor = await visitorCtx.newPage();
  await visitor.goto(shareUrl);
  await visitor.getByLabel('Password').fill('harbour lights 7');
  await visitor.getByRole('button', { name: 'Open' }).click();
  const shared = visitor.locator('.share-image img');
  await shared.waitFor();
  await eventually(() => shared.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);

  // Revoked: refused on the page and on its media.
  await card.getByRole('button', { name: 'Revoke link 1' }).click();
  await card.getByRole('button', { name: 'Confirm revoke' }).click();
  await eventually(() => card.textContent()).toMatch(/Revoked/);
  await visitor.reload();
  await eventually(() => visitor.getByRole('heading', { level: 1 }).textContent()).toBe('This link has expired or was revoked');
  const token = shareUrl.split('/share/')[1]!;
  expect((await fetch(`${stack.url}/s/${token}/w320.webp`)).status).toBe(410);
  await visitorCtx.close();
  await ctx.close();

  // Only the visitor's expected refusals were logged: 401 for the locked link before the
  // password, 410 after the revocation (each a failed resource load on the share page).
  const onShare =
    /^console: Failed to load resource: the server responded with a status of (401|410) \([^)]*\) \(http:\/\/127\.0\.0\.1:\d+\/share\/[^)]+\)$/;
  expect(b.errors.filter((e) => !onShare.test(e))).toEqual([]);
  expect(b.errors.filter((e) => onShare.test(e)).length).toBeGreaterThanOrEqual(2);
}, 300_000);
