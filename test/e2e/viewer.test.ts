/**
 * The viewer in Chromium against the local stack, as its owner, as a
 * view-only grantee and as an anonymous holder of a view-only share link:
 * opening from the library and a collection, next/previous by keys, buttons,
 * swipe and browser history, zoom loading larger files (the original only
 * for those who may download it), the info panel (the map position only for
 * those allowed it), Escape and focus return; then upload anywhere: files
 * dropped on a collection page and an image pasted on the library. axe-core
 * checks each page state; no console errors.
 */
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call } from './support/api.ts';
import { expectNoSeriousA11yViolations } from './support/a11y.ts';
import { type E2eUser, photo, registerUser, settled, signIn, uploadAsset } from './support/assets.ts';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { screenshot } from './support/screens.ts';
import { startE2eStack, type E2eStack } from './support/stack.ts';

let stack: E2eStack;
let b: E2eBrowser;
let owner: E2eUser;
let grantee: E2eUser;
const ids: string[] = [];
let collectionId = '';
let shareToken = '';

const eventually = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });

beforeAll(async () => {
  [stack, b] = await Promise.all([startE2eStack(), launchBrowser()]);
  [owner, grantee] = await Promise.all([registerUser(stack, 'Viewer Owner', 'viewer'), registerUser(stack, 'View Only', 'viewer')]);
  const files = await Promise.all([photo(0, { lat: 48.8584, lon: 2.2945 }), photo(90), photo(180)]);
  ids.push(...(await Promise.all(files.map((bytes, i) => uploadAsset(stack, owner, `photo-${i + 1}.jpg`, 'image/jpeg', bytes)))));
  expect(await Promise.all(ids.map((id) => settled(stack, owner, id, 240_000)))).toEqual(['ready', 'ready', 'ready']);
  const c = await call<{ id: string }>(stack, owner.token, 'POST', '/api/collections', { name: 'Viewer trip' });
  collectionId = c.id;
  for (const assetId of ids) await call(stack, owner.token, 'POST', `/api/collections/${collectionId}/items`, { assetId });
  // A grant needs a shared organisation (the grantee accepts the invitation).
  const org = await call<{ id: string }>(stack, owner.token, 'POST', '/api/orgs', {
    name: 'Viewers',
    slug: `viewers-${crypto.randomUUID().slice(0, 8)}`,
  });
  const { invitation } = await call<{ invitation: { id: string } }>(stack, owner.token, 'POST', `/api/orgs/${org.id}/invitations`, {
    email: grantee.email,
  });
  await call(stack, grantee.token, 'POST', `/api/invitations/${invitation.id}/accept`);
  await call(stack, owner.token, 'POST', '/api/grants', {
    resourceType: 'asset',
    resourceId: ids[0],
    principalType: 'user',
    principalId: grantee.id,
    permission: 'view',
  });
  const link = await call<{ url?: string; token?: string }>(stack, owner.token, 'POST', '/api/share-links', {
    resourceType: 'collection',
    resourceId: collectionId,
    permission: 'view',
    allowDownload: false,
  });
  shareToken = link.token ?? new URL(link.url!).pathname.split('/').pop()!;
}, 300_000);

afterAll(async () => {
  await b?.close();
  await stack?.close();
});

const viewParam = (page: Page) => new URL(page.url()).searchParams.get('view');
const dialogOf = (page: Page) => page.locator('dialog.viewer');
/** Requests for originals, to prove who gets them. */
function watchOriginals(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.endsWith('/original')) seen.push(r.url());
  });
  return seen;
}

async function zoomIn(page: Page, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await page.keyboard.press('+');
  await eventually(async () => Number(await page.locator('.viewer-stage').getAttribute('data-scale'))).toBeGreaterThan(2);
}

test('owner: open, step by keys, buttons, swipe and history, zoom to the original, info, Escape', async () => {
  const ctx: BrowserContext = await b.context();
  const page = await ctx.newPage();
  const originals = watchOriginals(page);
  await signIn(page, stack, owner);
  const cards = page.locator('.asset-grid [data-asset-id]');
  await eventually(() => cards.count()).toBe(3);
  const order = await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-asset-id')!));

  // A plain click opens the viewer over the library (the card's link stays the asset's page).
  await cards.first().locator('a').click();
  const dialog = dialogOf(page);
  await dialog.waitFor();
  expect(viewParam(page)).toBe(order[0]);
  expect(await dialog.getAttribute('aria-modal')).toBe('true');
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await eventually(() => page.locator('.viewer-stage').getAttribute('data-variant-width')).toBe('1024');
  await expectNoSeriousA11yViolations(page, 'viewer (image)');

  // Next/previous: arrow keys, the on-screen buttons, browser back/forward, a swipe.
  await page.keyboard.press('ArrowRight');
  await eventually(() => viewParam(page)).toBe(order[1]);
  await page.keyboard.press('ArrowLeft');
  await eventually(() => viewParam(page)).toBe(order[0]);
  expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
  await page.getByRole('button', { name: 'Next' }).click();
  await eventually(() => viewParam(page)).toBe(order[1]);
  await page.goBack();
  await eventually(() => viewParam(page)).toBe(order[0]);
  await page.goForward();
  await eventually(() => viewParam(page)).toBe(order[1]);
  // Swipe once the shown asset's picture is on screen (a stage replaced mid-gesture would lose it).
  const shownImg = page.locator(`.viewer-body[data-asset-id-shown="${order[1]}"] .viewer-stage img.is-loaded`);
  await shownImg.waitFor({ timeout: 30_000 });
  const box = (await page.locator('.viewer-stage').boundingBox())!;
  expect(box.height).toBeGreaterThan(300);
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 6 });
  await page.mouse.up();
  await eventually(() => viewParam(page)).toBe(order[2]);
  expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);

  // Zoom: at fit the display variant; zoomed in, the owner (who may download) gets the original.
  expect(originals).toEqual([]);
  await page.locator('.viewer-stage').focus();
  await zoomIn(page, 3);
  await eventually(() => page.locator('.viewer-stage').getAttribute('data-variant-width')).toBe('1600');
  expect(originals.some((u) => u.includes(`/m/${order[2]}/original`))).toBe(true);
  await page.keyboard.press('0');
  await eventually(() => page.locator('.viewer-stage').getAttribute('data-scale')).toBe('1.00');

  // The info panel: the EXIF, and the position (the owner may see it) for the photo that has one.
  await page.goBack(); // back to order[1]…
  await page.goBack(); // …and order[0]
  await eventually(() => viewParam(page)).toBe(order[0]);
  const gpsIndex = order.indexOf(ids[0]!);
  for (let i = 0; i < gpsIndex; i++) await page.keyboard.press('ArrowRight');
  await eventually(() => viewParam(page)).toBe(ids[0]);
  const info = page.getByRole('complementary', { name: 'Information' });
  await page.keyboard.press('i');
  await eventually(() => page.getByRole('button', { name: 'Info' }).getAttribute('aria-pressed')).toBe('true');
  await eventually(async () => (await info.count()) && ((await info.textContent()) ?? ''), 30_000).toContain('E2ECam');
  expect(await info.getByRole('link', { name: /on a map/ }).count()).toBe(1);
  await expectNoSeriousA11yViolations(page, 'viewer with info');
  await screenshot(page, 'viewer-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expectNoSeriousA11yViolations(page, 'viewer with info, dark');
  await screenshot(page, 'viewer-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Escape closes: back past the viewer's entries to the library, focus on the shown asset's card.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await eventually(() => page.url()).toBe(`${stack.url}/`);
  await eventually(() => page.evaluate(() => document.activeElement?.closest('[data-asset-id]')?.getAttribute('data-asset-id'))).toBe(
    ids[0],
  );

  // An address opened directly: Escape replaces the entry (nothing of ours to go back to).
  await page.goto(`${stack.url}/?view=${ids[1]}`);
  await dialog.waitFor();
  await eventually(() => page.locator('#viewer-title').textContent()).toBe('photo-2.jpg');
  await page.keyboard.press('Escape');
  await eventually(() => page.url()).toBe(`${stack.url}/`);
  expect(await dialog.count()).toBe(0);

  // From a collection: the collection's order, and its page.
  await page.goto(`${stack.url}/collections/${collectionId}`);
  await page.locator('.item-link').first().click();
  await dialog.waitFor();
  expect(viewParam(page)).toBe(ids[0]);
  await page.keyboard.press('ArrowRight');
  await eventually(() => viewParam(page)).toBe(ids[1]);
  await page.keyboard.press('Escape');
  await eventually(() => page.url()).toBe(`${stack.url}/collections/${collectionId}`);

  // Upload anywhere: files dropped on the collection page go into it; the tray shows them.
  const small = (
    await sharp({ create: { width: 400, height: 300, channels: 3, background: '#3a7' } })
      .jpeg()
      .toBuffer()
  ).toString('base64');
  const fire = (types: string[], name: string) =>
    page.evaluate(
      ({ types, name, b64 }) => {
        const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: 'image/jpeg' }));
        for (const type of types)
          document.querySelector('main')!.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { types, name, b64: small },
    );
  await fire(['dragenter', 'dragover'], 'dropped.jpg');
  await eventually(() => page.getByTestId('drop-overlay').textContent()).toBe('Drop to upload into this collection');
  await expectNoSeriousA11yViolations(page, 'collection with drop overlay');
  await fire(['drop'], 'dropped.jpg');
  const tray = page.getByRole('region', { name: 'Uploads' });
  await tray.waitFor();
  await eventually(() => tray.locator('li[data-state="done"]').count(), 30_000).toBe(1);
  await eventually(async () => {
    const c = await call<{ items: { filename: string }[] }>(stack, owner.token, 'GET', `/api/collections/${collectionId}`);
    return c.items.map((i) => i.filename);
  }, 30_000).toContain('dropped.jpg');

  // The tray survives navigation; a pasted image (not typed into a field) uploads to the library.
  await page.getByRole('link', { name: 'Library', exact: true }).click();
  await page.waitForURL(`${stack.url}/`);
  await tray.waitFor();
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'image.jpeg', { type: 'image/jpeg' }));
    document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, small);
  await eventually(() => tray.locator('li[data-state="done"]').count(), 30_000).toBe(2);
  await eventually(() => tray.textContent()).toMatch(/pasted-.*\.jpeg/);
  await expectNoSeriousA11yViolations(page, 'library with upload tray');
  await ctx.close();
  expect(b.errors).toEqual([]);
}, 300_000);

test('a view-only grantee: no download, no original, no position, no share', async () => {
  const ctx = await b.context();
  const page = await ctx.newPage();
  const originals = watchOriginals(page);
  await signIn(page, stack, grantee);
  await page.goto(`${stack.url}/?view=${ids[0]}`);
  const dialog = dialogOf(page);
  await dialog.waitFor();
  await eventually(() => page.locator('.viewer-stage').getAttribute('data-variant-width')).toBe('1024');
  expect(await dialog.getByRole('link', { name: 'Download' }).count()).toBe(0);
  expect(await dialog.getByRole('button', { name: 'Share' }).count()).toBe(0);
  await page.locator('.viewer-stage').focus();
  await zoomIn(page, 4);
  await page.keyboard.press('i');
  const info = page.getByRole('complementary', { name: 'Information' });
  await eventually(() => info.textContent()).toContain('E2ECam');
  expect(await info.getByRole('link', { name: /on a map/ }).count()).toBe(0);
  expect(await info.textContent()).not.toMatch(/Latitude|48\.85/);
  expect(await page.locator('.viewer-stage').getAttribute('data-variant-width')).toBe('1024');
  expect(originals).toEqual([]);
  // Not in any list of theirs: next/previous have nowhere to go.
  expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
  await ctx.close();
  expect(b.errors).toEqual([]);
});

test('an anonymous view-only link holder: the viewer on the share page, media through the link only', async () => {
  const ctx = await b.context();
  const page = await ctx.newPage();
  const originals = watchOriginals(page);
  const apiCalls: string[] = [];
  page.on('request', (r) => {
    const p = new URL(r.url()).pathname;
    if (p.startsWith('/api/assets') || p.startsWith('/m/')) apiCalls.push(p);
  });
  await page.goto(`${stack.url}/share/${shareToken}`);
  const tiles = page.locator('.share-tile');
  // The owner's test may have dropped a fourth file into the collection.
  await eventually(() => tiles.count()).toBeGreaterThanOrEqual(3);
  await tiles.nth(1).click();
  const dialog = dialogOf(page);
  await dialog.waitFor();
  expect(viewParam(page)).toBe(ids[1]);
  await eventually(() => page.locator('.viewer-stage').getAttribute('data-variant-width')).toBe('1024');
  await page.keyboard.press('ArrowRight');
  await eventually(() => viewParam(page)).toBe(ids[2]);
  expect(await dialog.getByRole('link', { name: 'Download' }).count()).toBe(0);
  await page.locator('.viewer-stage').focus();
  await zoomIn(page, 4);
  await expectNoSeriousA11yViolations(page, 'share page viewer');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await eventually(() => page.evaluate(() => document.activeElement?.getAttribute('data-asset-id'))).toBe(ids[2]);
  expect(originals).toEqual([]);
  expect(apiCalls).toEqual([]);
  await ctx.close();
  expect(b.errors).toEqual([]);
});
