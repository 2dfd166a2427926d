/**
 * Accessibility: every main page, signed out and signed in, in light and in
 * dark mode, checked with axe-core (no serious or critical WCAG A/AA
 * violations); then a keyboard-only journey — upload through the file
 * input, open the asset in the viewer, next/previous, share it by link,
 * sign out — with a visible focus ring on every stop. Also writes the
 * library's light and dark screenshots.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call } from './support/api.ts';
import { expectNoSeriousA11yViolations } from './support/a11y.ts';
import { type E2eUser, photo, registerUser, settled, signIn, uploadAsset } from './support/assets.ts';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { screenshot } from './support/screens.ts';
import { startE2eStack, type E2eStack } from './support/stack.ts';

let stack: E2eStack;
let b: E2eBrowser;
let user: E2eUser;
let assetId = '';
let collectionId = '';
let shareToken = '';

const eventually = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });

beforeAll(async () => {
  [stack, b] = await Promise.all([startE2eStack(), launchBrowser()]);
  user = await registerUser(stack, 'Access Person', 'a11y');
  assetId = await uploadAsset(stack, user, 'harbour.jpg', 'image/jpeg', await photo(40));
  expect(await settled(stack, user, assetId, 240_000)).toBe('ready');
  collectionId = (await call<{ id: string }>(stack, user.token, 'POST', '/api/collections', { name: 'Harbour days' })).id;
  await call(stack, user.token, 'POST', `/api/collections/${collectionId}/items`, { assetId });
  const link = await call<{ token: string | null; url: string | null }>(stack, user.token, 'POST', '/api/share-links', {
    resourceType: 'collection',
    resourceId: collectionId,
    permission: 'view',
  });
  shareToken = link.token ?? new URL(link.url!).pathname.split('/').pop()!;
}, 300_000);

afterAll(async () => {
  await b?.close();
  await stack?.close();
});

/** Checks the page as it is in light and in dark mode (the system preference; the switch is tested apart). */
async function both(page: Page, where: string, shot?: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await expectNoSeriousA11yViolations(page, `${where} (light)`);
  if (shot) await screenshot(page, `${shot}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await expectNoSeriousA11yViolations(page, `${where} (dark)`);
  if (shot) await screenshot(page, `${shot}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Visits `path` and waits for its heading (pages load their data after the shell). */
async function visit(page: Page, path: string, ready: () => Promise<unknown>): Promise<void> {
  await page.goto(`${stack.url}${path}`);
  await ready();
  await page.waitForLoadState('networkidle');
}

test('every main page has no serious axe violations, light and dark; the theme switch sticks', async () => {
  const ctx = await b.context();
  const page = await ctx.newPage();
  await visit(page, '/login', () => page.getByRole('button', { name: 'Sign in' }).waitFor());
  await both(page, 'sign-in');
  await visit(page, '/register', () => page.getByRole('button', { name: 'Create account' }).waitFor());
  await both(page, 'register');
  await visit(page, `/share/${shareToken}`, () => page.locator('.share-tile').first().waitFor());
  await both(page, 'share page');

  await signIn(page, stack, user);
  const pages: [string, string, () => Promise<unknown>, string?][] = [
    ['/', 'library', () => page.locator(`.asset-grid [data-asset-id="${assetId}"] img`).waitFor(), 'library'],
    ['/search?q=harbour', 'search', () => page.locator(`[data-asset-id="${assetId}"]`).waitFor()],
    ['/upload', 'upload', () => page.locator('.uppy-Dashboard').waitFor()],
    ['/trash', 'trash', () => page.getByRole('heading', { level: 1 }).waitFor()],
    [`/assets/${assetId}`, 'asset', () => page.locator('.image-viewer img').waitFor()],
    ['/collections', 'collections', () => page.getByRole('link', { name: 'Harbour days' }).waitFor()],
    [`/collections/${collectionId}`, 'collection', () => page.locator('.item-link').waitFor()],
    ['/orgs', 'organisations', () => page.getByRole('heading', { level: 1 }).waitFor()],
    ['/account', 'account', () => page.getByRole('heading', { level: 1 }).waitFor()],
    [`/?view=${assetId}`, 'viewer', () => page.locator('.viewer-stage img').waitFor()],
  ];
  for (const [path, name, ready, shot] of pages) {
    await visit(page, path, ready);
    await both(page, name, shot);
  }

  // The header's switch: dark wins over a light system preference, and is remembered.
  await page.goto(`${stack.url}/`);
  await page.getByLabel('Theme').selectOption('dark');
  expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  await page.reload();
  await page.getByLabel('Theme').waitFor();
  // The page's background is the root element's (base.css; the body has none of its own).
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(18, 19, 22)');
  await expectNoSeriousA11yViolations(page, 'library, dark by the switch');
  await page.getByLabel('Theme').selectOption('system');
  expect(await page.evaluate(() => document.documentElement.hasAttribute('data-theme'))).toBe(false);
  await ctx.close();

  // A tile without a thumbnail (here: an upload not yet sent) shows its type ("Image") instead: its
  // link's name must still hold that visible text. Another account, so the keyboard journey below
  // keeps its library of two photos.
  const other = await registerUser(stack, 'Files Person', 'a11y-files');
  const started = await call<{ assetId: string }>(stack, other.token, 'POST', '/api/uploads', {
    filename: 'on-its-way.jpg',
    size: 1000,
    contentType: 'image/jpeg',
  });
  const filesCtx = await b.context();
  const filesPage = await filesCtx.newPage();
  await signIn(filesPage, stack, other);
  await visit(filesPage, '/', () => filesPage.locator(`[data-asset-id="${started.assetId}"] .thumb[data-state="none"]`).waitFor());
  await both(filesPage, 'library with a tile that has no thumbnail');
  await filesCtx.close();
  expect(b.errors).toEqual([]);
}, 300_000);

/** What the focused element is called (its label or text), and whether a focus ring is drawn. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { name: '', ring: true };
    const name = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().replace(/\s+/g, ' ');
    const s = getComputedStyle(el);
    const ring = (s.outlineStyle !== 'none' && s.outlineWidth !== '0px') || s.boxShadow !== 'none' || !!el.closest('.uppy-Root');
    return { name, ring, tag: el.tagName };
  });

/** Tabs until the focused element's name matches (at most `max` presses); every stop must show focus. */
async function tabTo(page: Page, name: RegExp, max = 80): Promise<void> {
  const stops: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    stops.push(f.name);
    expect(f.ring, `no visible focus on "${f.name}"`).toBe(true);
    if (name.test(f.name)) return;
  }
  throw new Error(`never reached ${name} by Tab; stops: ${stops.join(' | ')}`);
}

test('keyboard only: upload, open in the viewer, next and previous, share by link, sign out', async () => {
  const ctx = await b.context();
  const page = await ctx.newPage();
  await signIn(page, stack, user);
  await page.goto(`${stack.url}/upload`);
  await page.locator('.uppy-Dashboard').waitFor();

  // Upload: the Dashboard's "browse files" opens the file chooser from the keyboard. The wait starts
  // before the first Tab: playwright turns on its file-chooser interception when the first listener
  // is added, without waiting, so a listener added together with the key press could miss the chooser.
  const chooserOpened = page.waitForEvent('filechooser');
  chooserOpened.catch(() => undefined);
  await tabTo(page, /browse files/i);
  await page.keyboard.press('Enter');
  const chooser = await chooserOpened;
  await chooser.setFiles({ name: 'keyboard.jpg', mimeType: 'image/jpeg', buffer: await photo(200) });
  await tabTo(page, /^Upload 1 file/);
  await page.keyboard.press('Enter');
  const row = page.locator('.processing-row', { hasText: 'keyboard.jpg' });
  await row.waitFor({ timeout: 240_000 });
  const uploaded = (await row.getAttribute('data-asset-id'))!;
  expect(await settled(stack, user, uploaded, 240_000)).toBe('ready');

  // Open it in the viewer from the library, step to the other asset and back.
  await tabTo(page, /^Library$/);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${stack.url}/`);
  await page.locator(`.asset-grid [data-asset-id="${uploaded}"] img`).waitFor();
  await tabTo(page, /keyboard\.jpg/);
  await page.keyboard.press('Enter');
  await page.locator('dialog.viewer').waitFor();
  await eventually(() => new URL(page.url()).searchParams.get('view')).toBe(uploaded);
  // The viewer steps in the timeline's order (date taken, newest first); both photos carry the same
  // EXIF date, so which one is "next" is the id tie-break. The library must hold just these two.
  const library = await call<{ items: { id: string; filename: string; status: string }[] }>(
    stack,
    user.token,
    'GET',
    '/api/assets?order=taken&limit=10',
  );
  expect(library.items.map((a) => `${a.filename} ${a.status}`).sort()).toEqual(['harbour.jpg ready', 'keyboard.jpg ready']);
  const order = library.items.map((a) => a.id);
  const after = order[order.indexOf(uploaded) + 1];
  const before = order[order.indexOf(uploaded) - 1];
  // At the last item ArrowRight stays; then ArrowLeft is the way to the other photo.
  await page.keyboard.press(after ? 'ArrowRight' : 'ArrowLeft');
  await eventually(() => new URL(page.url()).searchParams.get('view')).toBe(after ?? before);
  await page.keyboard.press(after ? 'ArrowLeft' : 'ArrowRight');
  await eventually(() => new URL(page.url()).searchParams.get('view')).toBe(uploaded);

  // Share: the viewer's Share button, a link created, the dialog closed with Escape.
  await tabTo(page, /^Share$/);
  await page.keyboard.press('Enter');
  const share = page.getByRole('dialog', { name: /Share/ });
  await share.waitFor();
  await tabTo(page, /^Create link$/);
  await page.keyboard.press('Enter');
  await eventually(() => share.getByRole('listitem').filter({ hasText: 'Link 1' }).count()).toBe(1);
  await expectNoSeriousA11yViolations(page, 'share dialog over the viewer');
  await page.keyboard.press('Escape');
  await eventually(() => share.isVisible()).toBe(false);
  expect((await focused(page)).name).toBe('Share');
  await page.keyboard.press('Escape');
  await page.locator('dialog.viewer').waitFor({ state: 'detached' });

  // Sign out.
  await tabTo(page, /^Sign out$/);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/login$/);
  await ctx.close();
  expect(b.errors).toEqual([]);
}, 420_000);
