/**
 * The SPA when its session ends behind its back (here: the session is logged
 * out by another client holding its refresh cookie, as another tab or a
 * password change elsewhere would): the access token in memory is still
 * unexpired, but the next write is refused with 401 `session_ended`. The SPA
 * treats that like an expired token: one refresh, which fails, then the
 * sign-in page, and the write left nothing behind.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
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

test('a write refused as session_ended refreshes once, then sends the app to sign-in', async () => {
  const ctx = await b.context();
  const page = await ctx.newPage();
  const email = `ended-${crypto.randomUUID()}@example.test`;
  const password = 'correct horse battery staple';
  // Recorded in order as they arrive. Only bodies the page itself reads are read here (Playwright
  // waits for a body to finish loading; the SPA never reads a refused refresh's body).
  const answers: Promise<{ method: string; path: string; status: number; code?: string }>[] = [];
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (!path.startsWith('/api/') || r.request().method() !== 'POST') return;
    answers.push(
      (async () => {
        const read = r.status() === 401 && path !== '/api/auth/refresh';
        const body = read ? ((await r.json().catch(() => null)) as { error?: { code?: string } } | null) : null;
        return { method: r.request().method(), path, status: r.status(), ...(body?.error?.code ? { code: body.error.code } : {}) };
      })(),
    );
  });

  await page.goto(`${stack.url}/collections`);
  await page.waitForURL(/\/login\?next=%2Fcollections$/);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill('Ended Person');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${stack.url}/collections`);

  // Another client ends the session with the browser's own refresh cookie.
  const cookie = (await ctx.cookies(stack.url)).find((c) => c.name === '__Host-refresh');
  expect(cookie).toBeDefined();
  const logout = await fetch(`${stack.url}/api/auth/logout`, { method: 'POST', headers: { cookie: `__Host-refresh=${cookie!.value}` } });
  expect(logout.status).toBe(204);

  // The page still holds an unexpired access token; the write is refused and the app signs out.
  answers.length = 0;
  await page.getByLabel('Name').fill('Made after the session ended');
  await page.getByRole('button', { name: 'Create collection' }).click();
  await page.waitForURL(/\/login\?next=%2Fcollections$/);
  expect(await Promise.all(answers)).toEqual([
    { method: 'POST', path: '/api/collections', status: 401, code: 'session_ended' },
    { method: 'POST', path: '/api/auth/refresh', status: 401 },
  ]);

  // Signed in again, nothing was created.
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}/collections`);
  await expect.poll(() => page.getByText('No collections yet').isVisible(), { timeout: 15_000 }).toBe(true);
  await ctx.close();
});
