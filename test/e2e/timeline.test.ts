/**
 * The library timeline in Chromium against the local stack: 2,000 assets
 * seeded straight into the database (one statement; uploading them would take
 * the suite's whole budget) over ~400 days. Date headers render newest first,
 * the DOM stays bounded after scrolling through all of them, a click opens
 * the viewer, shift-click selects a range, a day's checkbox selects the day,
 * and the selection bar adds to a collection (one item already there: a
 * per-item failure is shown) and moves to the trash, with Undo.
 */
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, E2E_PASSWORD, register } from './support/api.ts';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { withStackDb } from './support/db.ts';
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

const eventually = <T>(fn: () => T | Promise<T>, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });
const N = 2000;

/** N ready image rows, five a day going back from 2025-12-31 (EXIF takenAt), with mixed shapes. */
async function seed(ownerId: string): Promise<void> {
  await withStackDb(stack, (db) =>
    db.execute(sql`insert into assets (owner_id, filename, declared_type, size, status, metadata)
      select ${ownerId}::uuid, 'seed-' || lpad(i::text, 4, '0') || '.jpg', 'image/jpeg', 1000, 'ready',
        jsonb_build_object(
          'takenAt', to_char(timestamp '2025-12-31 12:00:00' - ((i / 5) || ' days')::interval - (i % 5 || ' minutes')::interval, 'YYYY-MM-DD"T"HH24:MI:SS'),
          'width', (array[4000, 3000, 1920, 1080])[1 + i % 4], 'height', (array[3000, 4000, 1080, 1920])[1 + i % 4])
      from generate_series(0, ${N - 1}) as i`),
  );
}

const tiles = (page: Page) => page.locator('.tl-tile');

test('timeline: headers, bounded DOM over 2,000 assets, viewer click, range and day selection, bulk add and trash', async () => {
  const { email, accessToken } = await register(stack, 'Timeline Person', 'tl');
  const { user: me } = await call<{ user: { id: string } }>(stack, accessToken, 'GET', '/api/me');
  await seed(me.id);
  const album = await call<{ id: string }>(stack, accessToken, 'POST', '/api/collections', { name: 'Best of' });

  const ctx = await b.context();
  const page = await ctx.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${stack.url}/login?next=%2F`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}/`);

  // Date headers, newest first.
  const headers = page.locator('.tl-day-label');
  await eventually(() => headers.count()).toBeGreaterThan(1);
  expect(await headers.first().textContent()).toMatch(/2025/);
  expect(await headers.first().textContent()).toMatch(/31/);
  // The scrubber lists every month with counts (400 days: 14 months).
  await eventually(() => page.locator('#scrubber-month option').count()).toBeGreaterThanOrEqual(13);
  // Jumping to a month starts the timeline there (one request); the newest month goes back to the top.
  const months = await page.locator('#scrubber-month option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  const target = months[3]!;
  const [year, month] = target.split('-').map(Number) as [number, number];
  const monthName = new Date(Date.UTC(year, month - 1, 15)).toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
  await page.locator('#scrubber-month').selectOption(target);
  await eventually(() => headers.first().textContent()).toMatch(new RegExp(`${monthName} \\d+, ${year}`));
  await page.locator('#scrubber-month').selectOption(months[0]!);
  await eventually(() => headers.first().textContent()).toMatch(/December 31, 2025/);

  // Scroll through everything: pages keep loading, the DOM does not grow with them.
  const canvas = page.locator('.tl-canvas');
  await eventually(async () => {
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    return Number(await canvas.getAttribute('data-loaded'));
  }, 120_000).toBe(N);
  const counts = await page.evaluate(() => ({
    nodes: document.getElementsByTagName('*').length,
    tiles: document.querySelectorAll('.tl-tile').length,
  }));
  expect(counts.tiles).toBeGreaterThan(0);
  expect(counts.tiles).toBeLessThan(200);
  expect(counts.nodes).toBeLessThan(2500);

  // Back at the top: a plain click opens the viewer (the URL names the asset); the link stays a link.
  await page.evaluate(() => window.scrollTo(0, 0));
  const first = tiles(page).first();
  await first.waitFor();
  const ids = await tiles(page).evaluateAll((els) => els.slice(0, 7).map((e) => e.getAttribute('data-asset-id')!));
  expect(await first.locator('a').getAttribute('href')).toBe(`/assets/${ids[0]}`);
  await first.locator('a').click();
  await page.waitForURL(`${stack.url}/?view=${ids[0]}`);
  await page.goBack();
  await page.waitForURL(`${stack.url}/`);

  // Select the first tile by its checkbox, shift-click the fifth: five selected.
  await page.locator(`.tl-tile[data-asset-id="${ids[0]}"] .tl-item-check`).click();
  await page.locator(`.tl-tile[data-asset-id="${ids[4]}"] a`).click({ modifiers: ['Shift'] });
  const bar = page.getByRole('region', { name: 'Selection' });
  await eventually(() => bar.locator('.sb-count').textContent()).toBe('5 selected');
  expect(await page.locator('.tl-tile[data-selected="true"]').count()).toBe(5);
  // Escape clears; the first day's checkbox selects its five again (as the day holds them).
  await page.keyboard.press('Escape');
  await eventually(() => page.locator('.tl-tile[data-selected="true"]').count()).toBe(0);
  await page.locator('.tl-day-check').first().click();
  await eventually(() => bar.locator('.sb-count').textContent()).toBe('5 selected');
  const selected = await page
    .locator('.tl-tile[data-selected="true"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-asset-id')!));
  expect(selected.sort()).toEqual(ids.slice(0, 5).sort());

  // Add to the collection: one is already there, reported per item.
  await call(stack, accessToken, 'POST', `/api/collections/${album.id}/items`, { assetId: ids[2] });
  await bar.getByRole('button', { name: 'Add to collection' }).click();
  await bar.getByLabel('Collection', { exact: true }).selectOption(album.id);
  await bar.getByRole('button', { name: 'Add', exact: true }).click();
  await eventually(() => bar.locator('.sb-outcome p').first().textContent()).toMatch(/^Added to the collection: 4 of 5; 1 not done\./);
  expect(await bar.locator(`.sb-failures li[data-asset-id="${ids[2]}"]`).textContent()).toContain('already in this collection');
  const items = await call<{ items: { id: string }[] }>(stack, accessToken, 'GET', `/api/collections/${album.id}`);
  expect(items.items.map((i) => i.id).sort()).toEqual(ids.slice(0, 5).sort());

  // Move to the trash: the tiles leave, the report offers Undo.
  await bar.getByRole('button', { name: 'Move to trash' }).click();
  await eventually(() => bar.locator('.sb-outcome p').first().textContent()).toMatch(/^Moved to the trash: 5 of 5\./);
  for (const id of ids.slice(0, 5)) expect(await page.locator(`.tl-tile[data-asset-id="${id}"]`).count()).toBe(0);
  const trash = await call<{ items: { id: string }[] }>(stack, accessToken, 'GET', '/api/trash');
  expect(trash.items.map((i) => i.id).sort()).toEqual(ids.slice(0, 5).sort());
  await bar.getByRole('button', { name: 'Undo' }).click();
  await eventually(() => bar.locator('.sb-outcome p').first().textContent()).toMatch(/^Restored: 5 of 5\./);
  await eventually(() => page.locator(`.tl-tile[data-asset-id="${ids[0]}"]`).count()).toBe(1);

  expect(b.errors).toEqual([]);
  await ctx.close();
}, 300_000);
