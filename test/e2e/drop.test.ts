/**
 * An upload ("file drop") link in Chromium against the local stack: the
 * owner of a collection opens its share dialog and creates an upload-only
 * link for images; a guest without an account opens it, sees only the
 * upload form (not the item already in the collection), gives a name and a
 * note, and uploads a JPEG through the stock Uppy Dashboard; a video is
 * refused by the link's rules. The file lands in the collection, owned by
 * the owner, stamped with the guest's name, and the pipeline makes it ready.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { screenshot } from './support/screens.ts';
import { call as api, E2E_PASSWORD, register } from './support/api.ts';
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

const poll = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout });

const jpeg = (hue: number) =>
  sharp({ create: { width: 640, height: 480, channels: 3, background: { r: hue, g: 120, b: 200 } } })
    .jpeg()
    .toBuffer();

test('an upload-only link: the guest drops a photo with a name and a note and sees nothing else', async () => {
  const { email, accessToken } = await register(stack, 'Bride', 'drop');
  const album = await api<{ id: string }>(stack, accessToken, 'POST', '/api/collections', { name: 'Our wedding' });
  // An item already in the album, which a guest of an upload-only link must not see.
  const existing = await jpeg(10);
  const start = await api<{ assetId: string; url: string; headers: Record<string, string> }>(stack, accessToken, 'POST', '/api/uploads', {
    filename: 'rehearsal-dinner-secret.jpg',
    size: existing.length,
    contentType: 'image/jpeg',
    collectionId: album.id,
  });
  expect((await fetch(start.url, { method: 'PUT', headers: start.headers, body: existing })).ok).toBe(true);

  // The owner creates the link in the collection's share dialog.
  const ctx = await b.context();
  const page = await ctx.newPage();
  await page.goto(`${stack.url}/login?next=${encodeURIComponent(`/collections/${album.id}`)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}/collections/${album.id}`);
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: /Share/ });
  const form = dialog.getByRole('form', { name: 'Create a link' });
  await form.getByLabel('Let people with the link upload files into this collection').check();
  expect(await form.getByLabel('Upload only (they see nothing in the collection)').isChecked()).toBe(true);
  await form.getByLabel('Accepted files').selectOption('images');
  await form.getByLabel('Most files (optional)').fill('5');
  await form.getByRole('button', { name: 'Create link' }).click();
  const card = dialog.getByRole('listitem').filter({ hasText: 'Link 1' });
  await poll(() => card.textContent()).toMatch(/UploadsUpload only \(images\): 0 of 5 files/);
  const shareUrl = await card.getByLabel('Address of link 1').inputValue();
  await screenshot(page, 'drop-share-dialog');

  // A guest with no account.
  const guestCtx = await b.context();
  const guest = await guestCtx.newPage();
  await guest.goto(shareUrl);
  await guest.getByRole('heading', { name: 'Add files to “Our wedding”' }).waitFor();
  expect(await guest.content()).not.toContain('rehearsal-dinner-secret');
  await guest.getByLabel('Your name').fill('Aunt Mary');
  await guest.getByLabel('Note (optional)').fill('From table 4');
  const input = guest.locator('.uppy-Dashboard-input').first();
  await input.waitFor({ state: 'attached' });
  // A video is refused by the link's rules before anything is sent.
  await input.setInputFiles([{ name: 'clip.mp4', mimeType: 'video/mp4', buffer: Buffer.from('not really a video') }]);
  await poll(async () => (await guest.locator('.uppy-Informer').allTextContents()).join(' ')).toMatch(/only upload|allowed|image/i);
  expect(await guest.locator('.uppy-Dashboard-Item').count()).toBe(0);
  await input.setInputFiles([{ name: 'first-dance.jpg', mimeType: 'image/jpeg', buffer: await jpeg(200) }]);
  await poll(() => guest.locator('.uppy-Dashboard-Item').count()).toBe(1);
  await guest.getByRole('button', { name: /^Upload 1 file/ }).click();
  await poll(() => guest.getByRole('status').filter({ hasText: 'Sent:' }).textContent(), 60_000).toMatch(/first-dance\.jpg/);
  await screenshot(guest, 'drop-page');

  // The owner's collection holds it, owned by the owner; the link counts it.
  let dropped: { id: string; filename: string; status: string } | undefined;
  await poll(async () => {
    const items = await api<{ items: { id: string; filename: string; status: string }[] }>(
      stack,
      accessToken,
      'GET',
      `/api/collections/${album.id}`,
    );
    dropped = items.items.find((i) => i.filename === 'first-dance.jpg');
    return dropped?.status;
  }, 90_000).toBe('ready');
  const links = await api<{ items: { upload: { files: number } }[] }>(
    stack,
    accessToken,
    'GET',
    `/api/share-links?resourceType=collection&resourceId=${album.id}`,
  );
  expect(links.items[0]?.upload.files).toBe(1);
  expect(b.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  await guestCtx.close();
  await ctx.close();
});
