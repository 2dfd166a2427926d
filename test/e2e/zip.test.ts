/**
 * "Download as ZIP" in Chromium against the local stack, checked by a foreign
 * reader: the owner of a collection clicks the button on the collection page
 * (a signed URL from `POST /api/downloads`, opened by the browser as a plain
 * download), and a guest with no account clicks it on the public page of a
 * collection link that allows downloads. Each archive the browser saved must
 * pass Debian's `unzip -t` and hold the collection's originals, byte for byte.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { call as api, E2E_PASSWORD, register } from './support/api.ts';
import { startE2eStack, type E2eStack } from './support/stack.ts';

const run = promisify(execFile);
let stack: E2eStack;
let b: E2eBrowser;
let dir: string;

beforeAll(async () => {
  [stack, b, dir] = await Promise.all([startE2eStack(), launchBrowser(), mkdtemp(path.join(tmpdir(), 'e2e-zip-'))]);
});
afterAll(async () => {
  await b?.close();
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const poll = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout });

const jpeg = (hue: number) =>
  sharp({ create: { width: 320, height: 240, channels: 3, background: { r: hue, g: 90, b: 160 } } })
    .jpeg()
    .toBuffer();

/** `unzip -t` accepts the archive, and extracting it gives back every original byte for byte. */
async function checkArchive(file: string, originals: Map<string, Buffer>): Promise<void> {
  const tested = await run('unzip', ['-t', file]);
  expect(tested.stdout).toMatch(/No errors detected/);
  const out = path.join(dir, `x-${crypto.randomUUID()}`);
  await run('unzip', ['-q', file, '-d', out]);
  for (const [name, bytes] of originals) {
    expect((await readFile(path.join(out, name))).equals(bytes), name).toBe(true);
  }
}

test('a collection downloads as one ZIP from its page and from its public link, and unzip accepts both', async () => {
  const { email, accessToken } = await register(stack, 'Owner', 'zip');
  const album = await api<{ id: string }>(stack, accessToken, 'POST', '/api/collections', { name: 'Summer' });
  const originals = new Map<string, Buffer>([
    ['beach.jpg', await jpeg(20)],
    ['dunes.jpg', await jpeg(220)],
  ]);
  for (const [filename, bytes] of originals) {
    const start = await api<{ url: string; headers: Record<string, string> }>(stack, accessToken, 'POST', '/api/uploads', {
      filename,
      size: bytes.length,
      contentType: 'image/jpeg',
      collectionId: album.id,
    });
    expect((await fetch(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(bytes) })).ok).toBe(true);
  }
  await poll(async () => {
    const { items } = await api<{ items: { status: string }[] }>(stack, accessToken, 'GET', `/api/collections/${album.id}`);
    return items.map((i) => i.status).join(',');
  }, 90_000).toBe('ready,ready');

  // The owner, on the collection page.
  const ctx = await b.context();
  const page = await ctx.newPage();
  await page.goto(`${stack.url}/login?next=${encodeURIComponent(`/collections/${album.id}`)}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}/collections/${album.id}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as ZIP' }).click()]);
  expect(download.suggestedFilename()).toBe('Summer.zip');
  const mine = path.join(dir, 'owner.zip');
  await download.saveAs(mine);
  await checkArchive(mine, originals);

  // A guest, through a collection link that allows downloads.
  const link = await api<{ token: string }>(stack, accessToken, 'POST', '/api/share-links', {
    resourceType: 'collection',
    resourceId: album.id,
    permission: 'download',
  });
  const guestCtx = await b.context();
  const guest = await guestCtx.newPage();
  await guest.goto(`${stack.url}/share/${encodeURIComponent(link.token)}`);
  const [guestDownload] = await Promise.all([guest.waitForEvent('download'), guest.getByRole('link', { name: 'Download as ZIP' }).click()]);
  const theirs = path.join(dir, 'guest.zip');
  await guestDownload.saveAs(theirs);
  await checkArchive(theirs, originals);

  expect(b.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  await guestCtx.close();
  await ctx.close();
});
