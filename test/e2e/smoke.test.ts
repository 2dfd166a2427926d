/**
 * The SPA in Chromium against the local stack: it loads with its CSP and no
 * console errors, an account can be created, and a signed-out visitor of a
 * private page is sent to sign-in and back.
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

test('sign up, land in the library, sign out, sign in again and return to the page asked for', async () => {
  const ctx = await b.context();
  const page = await ctx.newPage();
  const email = `e2e-${crypto.randomUUID()}@example.test`;
  const password = 'correct horse battery staple';

  const shell = await page.goto(`${stack.url}/collections`);
  expect(shell?.headers()['content-security-policy']).toContain("script-src 'self'");
  await page.waitForURL(/\/login\?next=%2Fcollections$/);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill('E2E Person');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${stack.url}/collections`);
  await expect.poll(() => page.getByText('E2E Person').isVisible()).toBe(true);

  // The refresh cookie resumes the session after a reload (the access token lives in memory only).
  await page.reload();
  await expect.poll(() => page.getByText('E2E Person').isVisible()).toBe(true);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${stack.url}/login`);
  await page.goto(`${stack.url}/trash`);
  await page.waitForURL(/\/login\?next=%2Ftrash$/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/incorrect|invalid/i);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}/trash`);
  await ctx.close();
  // The failed sign-in is the one 401 (the browser logs it as a failed resource load); a first
  // visit does not try to resume a session it never had. Nothing else may be logged.
  const refused = b.errors.filter((e) => /status of 401/.test(e));
  expect(refused).toHaveLength(1);
  expect(b.errors.filter((e) => !refused.includes(e))).toEqual([]);
});
