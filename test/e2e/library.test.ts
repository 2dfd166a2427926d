/**
 * Library, upload, search and trash in Chromium against the local stack:
 * a new account uploads a real JPEG and a text file through the stock Uppy
 * Dashboard (S3 POST policy via the edge's /s3/params), watches both get
 * processed to ready, sees the JPEG's ThumbHash placeholder and then its
 * thumbnail in the library, filters by type, finds it by file name, and —
 * after deleting it — finds it in the trash, restores it and sees it back.
 * No console errors along the way.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { screenshot } from './support/screens.ts';
import { startE2eStack, type E2eStack } from './support/stack.ts';

let stack: E2eStack;
let b: E2eBrowser;

beforeAll(async () => {
  [stack, b] = await Promise.all([startE2eStack(), launchBrowser()]);
});
afterAll(async () => {
  await b?.close();
  await stack?.close();
});

/** A 1600×1200 JPEG with a diagonal colour gradient (a real photo-sized image for the pipeline). */
async function gradientJpeg(width = 1600, height = 1200): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = Math.round((255 * x) / width);
      raw[i + 1] = Math.round((255 * y) / height);
      raw[i + 2] = Math.round(255 - (200 * (x + y)) / (width + height));
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** expect.poll with room for a loaded machine (its default gives up after one second). */
const eventually = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });

/** Creates an account through the UI, starting from `path` (a signed-out visit is sent to sign-in first). */
async function signUpAt(page: Page, path: string, email: string, password: string): Promise<void> {
  await page.goto(`${stack.url}${path}`);
  await page.waitForURL(new RegExp(`/login\\?next=${encodeURIComponent(path)}$`));
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill('Library Person');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${stack.url}${path}`);
}

/** The card of an asset in the grid on screen. */
const card = (page: Page, assetId: string) => page.locator(`.asset-grid [data-asset-id="${assetId}"]`);

test('upload through Uppy, see thumbnails over placeholders, filter, search, delete, restore from trash', async () => {
  const ctx = await b.context();
  const page = await ctx.newPage();
  const email = `lib-${crypto.randomUUID()}@example.test`;
  const password = 'correct horse battery staple';
  const photoName = 'sunrise-gradient.jpg';
  const notesName = 'field-notes.txt';
  const unauthorized: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 401) unauthorized.push(`${r.request().method()} ${new URL(r.url()).pathname}`);
  });

  // Sign up through the UI, starting from the upload page.
  await signUpAt(page, '/upload', email, password);

  // An empty library points to Upload.
  await page.getByRole('link', { name: 'Library', exact: true }).click();
  await eventually(() => page.getByText('Your library is empty.').isVisible()).toBe(true);
  await page.getByRole('link', { name: 'Upload your first files' }).click();
  await page.waitForURL(`${stack.url}/upload`);

  // Pick two files through Uppy's own (hidden) file input, then Upload.
  const input = page.locator('.uppy-Dashboard-input').first();
  await input.waitFor({ state: 'attached' });
  await input.setInputFiles([
    { name: photoName, mimeType: 'image/jpeg', buffer: await gradientJpeg() },
    { name: notesName, mimeType: 'text/plain', buffer: Buffer.from('Field notes\n\nThe light was good at six.\n'.repeat(20)) },
  ]);
  await eventually(() => page.locator('.uppy-Dashboard-Item').count()).toBe(2);
  await page.getByRole('button', { name: /^Upload 2 files/ }).click();

  // Each stored file's processing status is shown until it is ready, with a link to its page.
  const photoRow = page.locator('.processing-row', { hasText: photoName });
  const notesRow = page.locator('.processing-row', { hasText: notesName });
  await eventually(() => photoRow.locator('.status-badge').textContent(), 90_000).toBe('Ready');
  await eventually(() => notesRow.locator('.status-badge').textContent(), 90_000).toBe('Ready');
  const photoId = (await photoRow.getAttribute('data-asset-id'))!;
  const notesId = (await notesRow.getAttribute('data-asset-id'))!;
  expect(photoId).toMatch(/^[0-9a-f-]{36}$/);
  expect(await photoRow.getByRole('link', { name: `Open ${photoName}` }).getAttribute('href')).toBe(`/assets/${photoId}`);
  await eventually(() => page.locator('.uppy-StatusBar').textContent()).toMatch(/Complete/i);
  await screenshot(page, 'upload');

  // The library: hold the thumbnails back to see the ThumbHash placeholder first, then let them load.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  await page.route('**/m/**', async (route) => {
    await gate;
    await route.continue();
  });
  await page.getByRole('link', { name: 'Library', exact: true }).click();
  await page.waitForURL(`${stack.url}/`);
  const photoThumb = card(page, photoId).locator('.thumb');
  await photoThumb.waitFor();
  expect(await photoThumb.getAttribute('data-placeholder')).toBe('thumbhash');
  expect(await photoThumb.getAttribute('data-state')).toBe('loading');
  expect(await photoThumb.evaluate((el) => getComputedStyle(el).backgroundImage)).toMatch(/^url\("data:image\/png;base64,/);
  const img = photoThumb.locator('img');
  expect(await img.getAttribute('loading')).toBe('lazy');
  expect(await img.getAttribute('width')).toBe('320');
  expect(Number(await img.getAttribute('height'))).toBeGreaterThan(200); // 4:3 from the ThumbHash: 240
  expect(await img.getAttribute('src')).toMatch(new RegExp(`^/m/${photoId}/w320\\.(webp|jpg)\\?t=`));
  release();
  await eventually(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  await eventually(() => photoThumb.getAttribute('data-state')).toBe('loaded');
  await page.unroute('**/m/**');
  expect(await card(page, photoId).getByRole('link').getAttribute('href')).toBe(`/assets/${photoId}`);
  await eventually(() => card(page, notesId).isVisible()).toBe(true);
  await screenshot(page, 'library');

  // A thumbnail URL that expired while the page was open (signed URLs live 10-15 minutes): the
  // list is answered with an expired URL, the image fails, and the card asks the API once for a
  // fresh URL of the same variant instead of falling back to the type icon.
  const listUrl = /\/api\/assets\?/;
  await page.route(listUrl, async (route) => {
    const res = await route.fetch();
    const body = (await res.json()) as { items: { thumbnail: { url: string; expiresAt: string } | null }[] };
    for (const it of body.items) {
      if (!it.thumbnail) continue;
      it.thumbnail.url = it.thumbnail.url.replace(/\?t=.*$/, '?t=expired');
      it.thumbnail.expiresAt = new Date(Date.now() - 60_000).toISOString();
    }
    await route.fulfill({ response: res, json: body });
  });
  const errorsBefore = b.errors.length;
  const refusedBefore = unauthorized.length;
  await page.reload();
  const renewed = card(page, photoId).locator('.thumb img');
  await eventually(() => renewed.getAttribute('src')).toMatch(new RegExp(`^/m/${photoId}/w320\\.(webp|jpg)\\?t=(?!expired)`));
  await eventually(() => renewed.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  await page.unroute(listUrl);
  // The expired URLs' refusals (401, logged by Chromium as failed loads) are the only new errors.
  const expiredLoads = b.errors.splice(errorsBefore);
  expect(expiredLoads.length).toBeGreaterThan(0);
  expect(expiredLoads.filter((e) => !/status of 401/.test(e))).toEqual([]);
  const expiredRefusals = unauthorized.splice(refusedBefore);
  expect(expiredRefusals.length).toBeGreaterThan(0);
  expect(expiredRefusals.every((r) => /^GET \/m\//.test(r))).toBe(true);

  // Filter by type: kept in the URL; the text file is not an image.
  await page.getByLabel('Type').selectOption('image');
  await page.waitForURL(`${stack.url}/?type=image`);
  await eventually(() => card(page, notesId).count()).toBe(0);
  await eventually(() => card(page, photoId).isVisible()).toBe(true);
  await page.getByLabel('Type').selectOption('video');
  await page.waitForURL(`${stack.url}/?type=video`);
  await eventually(() => page.getByText('Nothing matches these filters.').isVisible()).toBe(true);
  expect(await card(page, photoId).count()).toBe(0);
  await page.getByRole('button', { name: 'Clear filters' }).first().click();
  await page.waitForURL(`${stack.url}/`);
  await eventually(() => card(page, notesId).isVisible()).toBe(true);
  // The filter survives a reload (it is in the URL).
  await page.goto(`${stack.url}/?type=image`);
  await eventually(() => card(page, photoId).isVisible()).toBe(true);
  expect(await page.getByLabel('Type').inputValue()).toBe('image');
  expect(await card(page, notesId).count()).toBe(0);

  // The header's search box leads to ranked results: the file name finds the photo.
  await page.getByLabel('Search the library').first().fill(photoName);
  await page.getByLabel('Search the library').first().press('Enter');
  await page.waitForURL(`${stack.url}/search?q=${encodeURIComponent(photoName)}`);
  await eventually(() => card(page, photoId).isVisible()).toBe(true);
  expect(await card(page, notesId).count()).toBe(0);
  await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`Results for “${photoName}”`);

  // Delete it through the API, as the owner.
  const login = await fetch(`${stack.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(login.status).toBe(200);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const del = await fetch(`${stack.url}/api/assets/${photoId}`, { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}` } });
  expect(del.status).toBe(204);

  // Trash: deleted and purge dates, Restore, an announcement, and the photo back in the library.
  await page.getByRole('link', { name: 'Trash', exact: true }).click();
  await page.waitForURL(`${stack.url}/trash`);
  const trashed = card(page, photoId);
  await eventually(() => trashed.isVisible()).toBe(true);
  expect(await trashed.textContent()).toContain('Deleted');
  expect(await trashed.textContent()).toContain('Purged after');
  expect(await card(page, notesId).count()).toBe(0);
  await eventually(() => trashed.locator('img').evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBeGreaterThan(0);
  await screenshot(page, 'trash');
  await trashed.getByRole('button', { name: `Restore ${photoName}` }).click();
  await eventually(() => page.getByRole('status').filter({ hasText: 'Restored' }).textContent()).toContain(
    `Restored “${photoName}” to your library.`,
  );
  await eventually(() => trashed.count()).toBe(0);
  await eventually(() => page.getByText('The trash is empty.').isVisible()).toBe(true);
  // Focus went to the announcement (the button that had it is gone).
  expect(await page.evaluate(() => document.activeElement?.className)).toBe('notice');

  await page.getByRole('link', { name: 'Library', exact: true }).click();
  await page.waitForURL(`${stack.url}/`);
  await eventually(() => card(page, photoId).isVisible()).toBe(true);
  await eventually(() =>
    card(page, photoId)
      .locator('img')
      .evaluate((el: HTMLImageElement) => el.naturalWidth),
  ).toBeGreaterThan(0);

  // Paging: 50 uploads started but never sent (pending assets, no thumbnail) make the list longer than a page.
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${stack.url}/api/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: `pending-${String(i).padStart(2, '0')}.bin`, size: 1000, contentType: 'application/octet-stream' }),
    });
    expect(res.status).toBe(201);
  }
  // The keyboard way: the "Load more" button (the sentinel is far below the fold) of the flat
  // grid (`?layout=grid`; the timeline loads as it scrolls: test/e2e/timeline.test.ts).
  await page.goto(`${stack.url}/?layout=grid&status=pending`);
  const cards = page.locator('.asset-grid > li');
  await eventually(() => cards.count()).toBe(48);
  const pendingCard = cards.first();
  expect(await pendingCard.locator('.status-badge').textContent()).toBe('Uploading');
  expect(await pendingCard.locator('.thumb img').count()).toBe(0);
  expect(await pendingCard.locator('.thumb-type').textContent()).toBe('Other file');
  const more = page.getByRole('button', { name: 'Load more assets' });
  await more.focus();
  await page.keyboard.press('Enter');
  await eventually(() => cards.count()).toBe(50);
  await eventually(() => more.count()).toBe(0);
  // Infinite scroll: bringing the end of the list into view loads the next page.
  await page.getByLabel('Status').selectOption('');
  await page.waitForURL(`${stack.url}/?layout=grid`);
  await eventually(() => cards.count()).toBe(48);
  await page.locator('.load-more-sentinel').scrollIntoViewIfNeeded();
  await eventually(() => cards.count()).toBe(52);
  expect(await card(page, photoId).count()).toBe(1);

  // Narrow screens: the grid still fits (two columns at 360px, no horizontal scroll).
  await page.setViewportSize({ width: 360, height: 740 });
  await eventually(() => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);

  await ctx.close();
  expectNoErrors(unauthorized);
}, 240_000);

/**
 * No request was refused (a first visit does not try to resume a session it never had:
 * web/src/api/session.ts keeps a signed-in hint) and nothing was logged.
 */
function expectNoErrors(unauthorized: string[]): void {
  expect(unauthorized).toEqual([]);
  expect(b.errors).toEqual([]);
  b.errors.length = 0;
}

test('a file over 100 MiB goes up in 8 MiB parts through the edge, pauses and resumes, and is processed', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lib-e2e-'));
  try {
    const big = path.join(dir, 'big-recording.bin');
    const MiB = 1024 * 1024;
    await writeFile(big, Buffer.concat(Array.from({ length: 101 }, () => randomBytes(MiB))));
    const ctx = await b.context();
    const page = await ctx.newPage();
    const unauthorized: string[] = [];
    const s3Calls: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 401) unauthorized.push(`${r.request().method()} ${new URL(r.url()).pathname}`);
    });
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.origin === stack.url && u.pathname.startsWith('/s3/'))
        s3Calls.push(`${r.method()} ${u.pathname.replace(/^\/s3\/multipart\/[^/]+/, '/s3/multipart/:uploadId')}`);
    });
    await signUpAt(page, '/upload', `big-${crypto.randomUUID()}@example.test`, 'correct horse battery staple');

    // Slow the browser's uploads down enough to pause mid-way.
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 20 * MiB });

    await page.locator('.uppy-Dashboard-input').first().setInputFiles(big);
    await page.getByRole('button', { name: /^Upload 1 file/ }).click();
    await eventually(() => s3Calls.filter((c) => c === 'GET /s3/multipart/:uploadId/2').length, 30_000).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await eventually(() => page.locator('.uppy-StatusBar').textContent()).toContain('Paused');
    const whilePaused = s3Calls.length;
    await page.waitForTimeout(1500);
    expect(s3Calls.length).toBe(whilePaused);
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    // Uploads go on while the user browses; the Dashboard comes back with the file where it is.
    await page.getByRole('link', { name: 'Library', exact: true }).click();
    await page.waitForURL(`${stack.url}/`);
    await page.getByRole('link', { name: 'Upload', exact: true }).click();
    await page.waitForURL(`${stack.url}/upload`);
    await eventually(() => page.locator('.uppy-Dashboard-Item', { hasText: 'big-recording.bin' }).count()).toBe(1);

    const row = page.locator('.processing-row', { hasText: 'big-recording.bin' });
    await eventually(() => row.locator('.status-badge').textContent(), 120_000).toBe('Ready');
    expect(s3Calls.filter((c) => c === 'GET /s3/params')).toEqual([]);
    expect(s3Calls.filter((c) => c === 'POST /s3/multipart')).toHaveLength(1);
    const partNumbers = new Set(s3Calls.map((c) => /^GET \/s3\/multipart\/:uploadId\/(\d+)$/.exec(c)?.[1]).filter(Boolean));
    expect(partNumbers.size).toBe(13); // ceil(101 / 8)
    expect(s3Calls.filter((c) => c.endsWith('/complete'))).toHaveLength(1);
    await ctx.close();
    expectNoErrors(unauthorized);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 240_000);
