/**
 * Passkeys in Chromium with a virtual authenticator (DevTools protocol
 * `WebAuthn.addVirtualAuthenticator`: CTAP2, internal transport, resident
 * keys, user verification): one journey on one page, registration on the
 * account page, sign-in with the passkey alone, the passkey as the second
 * step of a password login, rename and remove.
 *
 * The page is opened as `http://localhost:<port>`: an IP address cannot be
 * a WebAuthn RP ID, so the local stack's relying party is `localhost`
 * (edge/auth/passkeys/relying-party.ts).
 */
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

test('register a passkey on the account page, sign in with it alone and as the second step, rename and remove it', async () => {
  const origin = stack.url.replace('127.0.0.1', 'localhost');
  const ctx = await b.context();
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const visible = (locator: ReturnType<typeof page.getByText>) => expect.poll(() => locator.isVisible(), { timeout: 15_000 }).toBe(true);

  const email = `passkey-${crypto.randomUUID()}@example.test`;
  await page.goto(`${origin}/register`);
  await page.getByLabel('Name').fill('Pass Key');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${origin}/`);

  // Registration: a name and the password, then the authenticator.
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByLabel('Passkey name').fill('Virtual key');
  await page.getByLabel('Your password').fill(password);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  const passkeys = page.getByRole('list', { name: 'Passkeys' }).getByRole('listitem');
  await expect.poll(() => passkeys.count(), { timeout: 15_000 }).toBe(1);
  await visible(passkeys.getByText('Virtual key'));
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0]!.isResidentCredential).toBe(true);

  // Sign-in with the passkey alone (discoverable credential).
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto(`${origin}/login`);
  await page.getByRole('region', { name: 'Sign in with a passkey' }).getByRole('button', { name: 'Use a passkey' }).click();
  await page.waitForURL(`${origin}/`);
  await visible(page.getByRole('link', { name: 'Account' }));

  // The password now needs a second step (the passkey made the account two-factor): answer it with the passkey.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.goto(`${origin}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await page.waitForURL(`${origin}/`);

  // Rename and remove on the account page.
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('button', { name: 'Rename passkey Virtual key' }).click();
  await page.getByLabel('New name').fill('Desk key');
  await page.getByRole('button', { name: 'Save name' }).click();
  await visible(passkeys.getByText('Desk key'));
  await page.getByRole('button', { name: 'Remove passkey Desk key' }).click();
  await page.getByRole('listitem').getByLabel('Your password').fill(password);
  await page.getByRole('button', { name: 'Remove passkey', exact: true }).click();
  await expect.poll(() => passkeys.count(), { timeout: 15_000 }).toBe(0);
  expect(b.errors).toEqual([]);
  await ctx.close();
}, 180_000);
