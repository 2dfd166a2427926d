/**
 * Two-factor authentication end to end on the local stack:
 * - in Chromium, the account page enrols an authenticator (QR code and key),
 *   confirms it with a code, shows the recovery codes once; signing in again
 *   asks for a code after the password and lands in the library;
 * - a foreign authenticator: Debian's `oathtool --totp -b <base32>` makes the
 *   codes that confirm the enrolment and pass the login's second step;
 * - the account page's API keys and webhook endpoints: each secret shown
 *   once, and a read-only key refused a write.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { generateTOTP } from '@oslojs/otp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, type E2eBrowser } from './support/browser.ts';
import { startE2eStack, type E2eStack } from './support/stack.ts';

let stack: E2eStack;
let b: E2eBrowser;
const password = 'correct horse battery staple';

beforeAll(async () => {
  [stack, b] = await Promise.all([startE2eStack(), launchBrowser()]);
});
afterAll(async () => {
  await b?.close();
  await stack?.close();
});

/** Waits until the current 30 s step has at least `seconds` left, so a code does not expire between reading and sending. */
async function roomInStep(seconds = 8): Promise<void> {
  const left = 30 - ((Date.now() / 1000) % 30);
  if (left < seconds) await new Promise((r) => setTimeout(r, left * 1000 + 200));
}
/** Waits for the next 30 s step (a code of the step just used would be a replay). */
async function nextStep(): Promise<void> {
  await new Promise((r) => setTimeout(r, (30 - ((Date.now() / 1000) % 30)) * 1000 + 200));
}

/** Creates an account on the register page and opens the account page; the new account's e-mail. */
async function registerInBrowser(page: Page, name: string, prefix: string): Promise<string> {
  const email = `${prefix}-${crypto.randomUUID()}@example.test`;
  await page.goto(`${stack.url}/register`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${stack.url}/`);
  await page.getByRole('link', { name: 'Account' }).click();
  return email;
}

test('enrol on the account page with a QR code, then sign in with a code', async () => {
  const ctx = await b.context();
  const page = await ctx.newPage();
  const email = await registerInBrowser(page, 'Two Factor', 'twofa');

  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect.poll(() => page.getByRole('img', { name: 'QR code of the authenticator key' }).isVisible(), { timeout: 15_000 }).toBe(true);
  const secret = (await page.getByTestId('totp-secret').textContent())!;
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const key = decodeBase32IgnorePadding(secret);

  await roomInStep();
  await page.getByLabel('Code from the app').fill(generateTOTP(key, 30, 6));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect.poll(() => codes.count(), { timeout: 15_000 }).toBe(10);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect.poll(() => page.getByText('Recovery codes left: 10').isVisible(), { timeout: 15_000 }).toBe(true);
  await page.getByRole('button', { name: 'Sign out' }).click();

  // Signing in again: the password, then a code of a later step (the confirming one was used).
  const fresh = await (await b.context()).newPage();
  await fresh.goto(`${stack.url}/login`);
  await fresh.getByLabel('Email').fill(email);
  await fresh.getByLabel('Password').fill(password);
  await fresh.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => fresh.getByLabel('Code from your authenticator app').isVisible(), { timeout: 15_000 }).toBe(true);
  await nextStep();
  await fresh.getByLabel('Code from your authenticator app').fill(generateTOTP(key, 30, 6));
  await fresh.getByRole('button', { name: 'Verify' }).click();
  await fresh.waitForURL(`${stack.url}/`);
  await expect.poll(() => fresh.getByRole('link', { name: 'Account' }).isVisible(), { timeout: 15_000 }).toBe(true);
  expect(b.errors).toEqual([]);
  await ctx.close();
}, 180_000);

test("Debian's oathtool is an authenticator the edge accepts", async () => {
  const oathtool = async (secret: string, at: string) =>
    (await promisify(execFile)('oathtool', ['--totp', '-b', '-N', at, secret])).stdout.trim();
  const post = (path: string, json: unknown, token?: string) =>
    fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'cf-connecting-ip': `10.9.${Math.floor(Math.random() * 250)}.1`,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(json),
    });
  const email = `oath-${crypto.randomUUID()}@example.test`;
  const reg = await post('/api/auth/register', { email, password, name: 'Oath' });
  expect(reg.status).toBe(201);
  const { accessToken } = (await reg.json()) as { accessToken: string };
  const enrol = await post('/api/auth/totp/enrol', undefined, accessToken);
  const { secret } = (await enrol.json()) as { secret: string };

  await roomInStep();
  const confirm = await post('/api/auth/totp/confirm', { code: await oathtool(secret, 'now') }, accessToken);
  expect(confirm.status, await confirm.clone().text()).toBe(200);

  const login = await post('/api/auth/login', { email, password });
  expect(login.status).toBe(202);
  const { challengeToken } = (await login.json()) as { challengeToken: string };
  // The next step's code (±1 step is accepted; the current one was used to confirm).
  const second = await post('/api/auth/login/second-factor', { challengeToken, code: await oathtool(secret, 'now + 30 seconds') });
  expect(second.status, await second.clone().text()).toBe(200);
  expect(((await second.json()) as { user: { email: string } }).user.email).toBe(email);
}, 120_000);

test('the account page makes an API key and a webhook endpoint, each secret shown once; the key does what its scope allows', async () => {
  const ctx = await b.context();
  const page = await ctx.newPage();
  await registerInBrowser(page, 'Key Maker', 'keys');

  // An API key that may only read.
  await page.getByLabel('Name', { exact: true }).fill('photo frame');
  await page.getByLabel(/Read assets and media/).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = page.getByTestId('api-key-secret');
  await secret.waitFor();
  const key = (await secret.textContent())!.trim();
  const keys = page.getByRole('list', { name: 'API keys' });
  await expect.poll(() => keys.textContent()).toContain('photo frame');
  // The list shows the key's prefix, never the whole key.
  expect(await keys.textContent()).not.toContain(key);
  const asKey = (method: string, path: string, body?: unknown) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  expect((await asKey('GET', '/api/assets')).status).toBe(200);
  const upload = await asKey('POST', '/api/uploads', { filename: 'a.jpg', size: 10, contentType: 'image/jpeg' });
  expect(upload.status).toBe(403);
  expect(((await upload.json()) as { error: { code: string } }).error.code).toBeTruthy();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect.poll(() => secret.count()).toBe(0);

  // A webhook endpoint (loopback is allowed in the local stack only): its signing secret, once.
  await page.getByLabel('Endpoint URL (https)').fill('http://127.0.0.1:9/hooks');
  await page.getByLabel(/An asset finished processing/).check();
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const signing = page.getByTestId('webhook-secret');
  await signing.waitFor();
  expect(await signing.textContent()).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
  await expect.poll(() => page.getByRole('list', { name: 'Webhook endpoints' }).textContent()).toContain('http://127.0.0.1:9/hooks');
  await page.reload();
  await page.getByRole('list', { name: 'Webhook endpoints' }).waitFor();
  expect(await page.getByTestId('webhook-secret').count()).toBe(0);
  expect(await page.getByTestId('api-key-secret').count()).toBe(0);
  expect(b.errors).toEqual([]);
  await ctx.close();
}, 120_000);
