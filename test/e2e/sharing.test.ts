/**
 * Sharing in Chromium against the local stack: the owner opens the share
 * dialog from the asset page, creates a password-protected link with a
 * download cap and copies its address; a visitor without an account (a
 * fresh context, no cookies) opens it, is asked for the password, is told a
 * wrong one is wrong and sees the image with the right one; the owner
 * revokes the link and the visitor's reload says so (the media answer 410).
 * Then the owner shares with a second person by email, who can read the
 * asset through the API (people are found by email among those who share an
 * organisation with the owner: they join one by accepting an invitation).
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
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

const PASSWORD = 'correct horse battery staple';

/** expect.poll with room for a loaded machine (the password checks run a slow hash). */
const poll = <T>(fn: () => T | Promise<T>, opts: { timeout?: number } = {}) => expect.poll(fn, { timeout: 10_000, ...opts });

interface Account {
  email: string;
  name: string;
  accessToken: string;
  userId: string;
}

async function register(name: string): Promise<Account> {
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${crypto.randomUUID()}@example.test`;
  const res = await fetch(`${stack.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.url },
    body: JSON.stringify({ email, password: PASSWORD, name }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { accessToken: string; user: { id: string } };
  return { email, name, accessToken: body.accessToken, userId: body.user.id };
}

/** Uploads a generated PNG through the presigned PUT and waits until the pipeline made its derivatives. */
async function uploadImage(owner: Account): Promise<string> {
  const png = await sharp({
    create: { width: 900, height: 600, channels: 3, background: { r: 40, g: 110, b: 200 } },
  })
    .composite([
      { input: Buffer.from('<svg width="900" height="600"><circle cx="450" cy="300" r="200" fill="#f2a900"/></svg>'), top: 0, left: 0 },
    ])
    .png()
    .toBuffer();
  const auth = { authorization: `Bearer ${owner.accessToken}` };
  const start = await fetch(`${stack.url}/api/uploads`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', origin: stack.url },
    body: JSON.stringify({
      filename: 'sunrise.png',
      size: png.length,
      contentType: 'image/png',
      sha256: createHash('sha256').update(png).digest('hex'),
    }),
  });
  if (start.status !== 201) throw new Error(`upload start: ${start.status} ${await start.text()}`);
  const { assetId, url, headers } = (await start.json()) as { assetId: string; url: string; headers: Record<string, string> };
  const put = await fetch(url, { method: 'PUT', headers, body: png });
  if (!put.ok) throw new Error(`PUT: ${put.status} ${await put.text()}`);
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`${stack.url}/api/assets/${assetId}/status`, { headers: auth });
    const { status } = (await res.json()) as { status: string };
    if (status === 'ready') return assetId;
    if (!['pending', 'uploaded', 'processing'].includes(status)) throw new Error(`asset ${assetId} ended ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`asset ${assetId} never became ready`);
}

async function signIn(page: import('playwright-core').Page, who: Account, next: string): Promise<void> {
  await page.goto(`${stack.url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}${next}`);
}

test('share links with a password and a cap, revocation, and sharing with a person by email', async () => {
  const owner = await register('Owner Person');
  const friend = await register('Friend Person');
  const assetId = await uploadImage(owner);

  const ctx = await b.context();
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
  const page = await ctx.newPage();
  await signIn(page, owner, `/assets/${assetId}`);

  // The asset page (built alongside) opens the dialog from its Share button.
  const shareButton = page.getByRole('button', { name: 'Share', exact: true });
  await shareButton.waitFor({ timeout: 20_000 }).catch(() => {
    throw new Error('The asset page has no "Share" button: the share dialog is opened from there (web/src/pages/asset.tsx).');
  });
  await shareButton.click();
  const dialog = page.getByRole('dialog', { name: /Share/ });
  await dialog.waitFor();
  const status = dialog.getByRole('status').first();

  // A link that allows downloads, behind a password, with a cap of 3.
  const linkForm = dialog.getByRole('form', { name: 'Create a link' });
  await linkForm.getByLabel('Link permission').selectOption('download');
  await linkForm.getByLabel('Password (optional)').fill('open sesame 42');
  await linkForm.getByLabel('Download limit (optional)').fill('3');
  await linkForm.getByRole('button', { name: 'Create link' }).click();
  await poll(() => status.textContent()).toBe('Link created.');
  const card = dialog.getByRole('listitem').filter({ hasText: 'Link 1' });
  await poll(() => card.textContent()).toMatch(/PasswordYes.*Downloads0 of 3/);

  const shareUrl = await card.getByLabel('Address of link 1').inputValue();
  expect(shareUrl).toMatch(new RegExp(`^${stack.url}/share/[\\w.-]+$`));
  const token = shareUrl.split('/share/')[1]!;
  await card.getByRole('button', { name: 'Copy link 1' }).click();
  await poll(() => status.textContent()).toBe('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(shareUrl);
  await screenshot(page, 'share-dialog');

  // A visitor without an account or cookies.
  const visitorCtx = await b.context();
  const visitor = await visitorCtx.newPage();
  await visitor.goto(shareUrl);
  const pw = visitor.getByLabel('Password');
  await pw.waitFor();
  await poll(() => visitor.getByRole('heading', { level: 1 }).textContent()).toBe('This link is protected');
  await screenshot(visitor, 'share-password');
  await pw.fill('not the password');
  await visitor.getByRole('button', { name: 'Open' }).click();
  await poll(() => visitor.getByRole('alert').textContent()).toMatch(/password is not right/i);
  await pw.fill('open sesame 42');
  await visitor.getByRole('button', { name: 'Open' }).click();
  const img = visitor.locator('.share-image img');
  await img.waitFor();
  await poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
  expect(await visitor.getByRole('heading', { level: 1 }).textContent()).toBe('sunrise.png');
  expect(await visitor.getByText('Shared via Media').isVisible()).toBe(true);
  expect(await visitor.getByText('3 downloads left').isVisible()).toBe(true);
  const download = visitor.getByRole('link', { name: /Download/ });
  expect(await download.getAttribute('href')).toBe(`/s/${token}/original?download=1`);
  await screenshot(visitor, 'share-page');
  // The unlock is a cookie scoped to the link; media need it.
  const cookies = await visitorCtx.cookies(stack.url);
  expect(cookies.map((c) => c.name)).toEqual([expect.stringMatching(/^__Host-share-[0-9a-f-]{36}$/)]);

  // The owner revokes the link: two steps, then the card says so.
  await card.getByRole('button', { name: 'Revoke link 1' }).click();
  await card.getByRole('button', { name: 'Confirm revoke' }).click();
  await poll(() => status.textContent()).toBe('Link revoked.');
  await poll(() => card.textContent()).toMatch(/Revoked/);
  expect(await card.getByLabel('Address of link 1').count()).toBe(0);

  await visitor.reload();
  await poll(() => visitor.getByRole('heading', { level: 1 }).textContent()).toBe('This link has expired or was revoked');
  expect((await fetch(`${stack.url}/s/${token}/w320.webp`)).status).toBe(410);
  await visitorCtx.close();

  // Sharing with a person by email: they can read the asset afterwards.
  const asFriend = () => fetch(`${stack.url}/api/assets/${assetId}`, { headers: { authorization: `Bearer ${friend.accessToken}` } });
  expect((await asFriend()).status).toBe(404);
  const people = dialog.getByRole('form', { name: 'Share with people and groups' });
  await people.getByLabel('Share with').selectOption('user');
  // The friend shares no organisation with the owner yet: their address is as unknown as one with no account.
  await people.getByLabel('Email').fill(friend.email);
  await people.getByRole('button', { name: 'Share' }).click();
  await poll(() => people.getByRole('alert').textContent()).toMatch(/No one with that email shares an organisation with you/);
  const club = await call<{ id: string }>(owner, 'POST', '/api/orgs', {
    name: 'Friends',
    slug: `friends-${crypto.randomUUID().slice(0, 8)}`,
  });
  const { invitation } = await call<{ invitation: { id: string } }>(owner, 'POST', `/api/orgs/${club.id}/invitations`, {
    email: friend.email,
  });
  await call(friend, 'POST', `/api/invitations/${invitation.id}/accept`);
  await people.getByLabel('Permission').selectOption('view');
  await people.getByRole('button', { name: 'Share' }).click();
  await poll(() => status.textContent()).toBe('Shared with Friend Person (view).');
  await poll(() => dialog.getByLabel('Permission for Friend Person').inputValue()).toBe('view');
  expect((await asFriend()).status).toBe(200);

  // Escape closes the dialog and focus goes back to the Share button.
  await page.keyboard.press('Escape');
  await poll(() => dialog.isVisible()).toBe(false);
  expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Share');
  await ctx.close();

  // Expected failed loads, each a 4xx the browser logs as a failed resource load:
  // - on the visitor's share page: 401 for the locked link (GET /api/share before the
  //   password) and for the wrong password (unlock); 410 for the revoked link;
  // - on the owner's asset page: the friend's email before they shared an org with the owner (404), exactly once.
  // (Public pages never try to resume a session: no refresh 401.)
  const failed = (statuses: string, path: string) =>
    new RegExp(
      `^console: Failed to load resource: the server responded with a status of (${statuses}) \\([^)]*\\) \\(http://127\\.0\\.0\\.1:\\d+${path}\\)$`,
    );
  const expected = [failed('401|410', '/share/[^)]+')];
  const unknownEmail = failed('404', '/assets/[0-9a-f-]{36}');
  expect(b.errors.filter((e) => !expected.some((re) => re.test(e)) && !unknownEmail.test(e))).toEqual([]);
  expect(b.errors.filter((e) => unknownEmail.test(e))).toHaveLength(1);
});

test('organisations: create one, invite a member who accepts, make a group, and share an asset with the group', async () => {
  b.errors.length = 0;
  const owner = await register('Org Owner');
  const member = await register('Team Member');
  const assetId = await uploadImage(owner);
  const ctx = await b.context();
  const page = await ctx.newPage();
  await signIn(page, owner, '/orgs');
  const status = page.locator('.orgs-status');

  await page.getByLabel('Name', { exact: true }).fill('Design Team');
  expect(await page.getByLabel('Short name').inputValue()).toBe('design-team');
  await page.getByLabel('Short name').fill(`design-${crypto.randomUUID().slice(0, 8)}`);
  await page.getByRole('button', { name: 'Create organisation' }).click();
  await page.waitForURL(/\/orgs\?org=[0-9a-f-]{36}$/);
  await poll(() => page.getByRole('heading', { level: 2, name: /Design Team/ }).isVisible()).toBe(true);
  await poll(() => page.getByRole('row', { name: /Org Owner/ }).textContent()).toMatch(/\(you\).*owner/);

  // An invitation, not a direct add: the page does not say whether the address has an account.
  await page.getByLabel('Email to invite').fill(member.email);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await poll(() => status.textContent()).toBe(
    `Invitation sent to ${member.email}. If an account exists for that address, they'll see the invitation.`,
  );
  await poll(() => page.getByRole('list', { name: 'Pending invitations' }).textContent()).toContain(member.email);
  expect(await page.getByRole('row', { name: /Team Member/ }).count()).toBe(0);

  // The invitee sees it (counted in the navigation) and accepts.
  const memberCtx = await b.context();
  const memberPage = await memberCtx.newPage();
  await signIn(memberPage, member, '/orgs');
  await poll(() => memberPage.locator('.nav-count').textContent()).toBe('1');
  await poll(() => memberPage.getByRole('region', { name: 'Invitations for you' }).textContent()).toMatch(
    /Design Team.*Org Owner invited you/,
  );
  await screenshot(memberPage, 'orgs-invitation');
  await memberPage.getByRole('button', { name: 'Accept the invitation to Design Team' }).click();
  await poll(() => memberPage.locator('.orgs-status').textContent()).toBe('You joined Design Team.');
  await memberPage.waitForURL(/\/orgs\?org=[0-9a-f-]{36}$/);
  await poll(() => memberPage.getByRole('heading', { level: 2, name: /Design Team/ }).isVisible()).toBe(true);
  expect(await memberPage.locator('.nav-count').count()).toBe(0);
  await memberCtx.close();

  await page.reload();
  await poll(() => page.getByRole('row', { name: /Team Member/ }).textContent()).toMatch(/member/);
  expect(await page.getByText('No pending invitations.').isVisible()).toBe(true);
  await page.getByLabel('Role of Team Member').selectOption('admin');
  await poll(() => status.textContent()).toBe('Team Member is now admin.');

  await page.getByLabel('New group’s name').fill('Reviewers');
  await page.getByRole('button', { name: 'Create group' }).click();
  await poll(() => status.textContent()).toBe('Group Reviewers created.');
  await page.getByRole('button', { name: 'Reviewers', exact: true }).click();
  await page.getByLabel('Add to Reviewers').selectOption({ label: `Team Member (${member.email})` });
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await poll(() => status.textContent()).toBe('Team Member added to Reviewers.');
  await poll(() => page.getByText('1 member', { exact: true }).isVisible()).toBe(true);
  await screenshot(page, 'orgs');

  // The group is offered in the share dialog; sharing with it lets its member in.
  const asMember = () => fetch(`${stack.url}/api/assets/${assetId}`, { headers: { authorization: `Bearer ${member.accessToken}` } });
  expect((await asMember()).status).toBe(404);
  await page.goto(`${stack.url}/assets/${assetId}`);
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: /Share/ });
  const people = dialog.getByRole('form', { name: 'Share with people and groups' });
  await people.getByLabel('Share with').selectOption('group');
  await people.getByLabel('Group').selectOption({ label: 'Reviewers (Design Team)' });
  await people.getByLabel('Permission').selectOption('download');
  await people.getByRole('button', { name: 'Share' }).click();
  await poll(() => dialog.getByRole('status').first().textContent()).toBe('Shared with Reviewers (download).');
  expect((await asMember()).status).toBe(200);
  // The permission is changed from the list, and the grant removed.
  await dialog.getByLabel('Permission for Reviewers').selectOption('view');
  await poll(() => dialog.getByRole('status').first().textContent()).toBe('Reviewers can view.');
  await dialog.getByRole('button', { name: 'Remove access for Reviewers' }).click();
  await poll(() => dialog.getByRole('status').first().textContent()).toBe('Reviewers removed.');
  expect((await asMember()).status).toBe(404);
  await ctx.close();

  expect(b.errors).toEqual([]);
});

/** A JSON call to the edge as `who`. */
async function call<T>(who: Account, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${who.accessToken}`,
      origin: stack.url,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const pageOf = (link: { url: string | null }) => `${stack.url}/share/${/^\/s\/([^/]+)\/$/.exec(link.url!)![1]}`;

test('a shared collection opens its items; where the unlock cookie is not kept, the unlock token is sent instead', async () => {
  b.errors.length = 0;
  const owner = await register('Album Owner');
  const [first, second] = [await uploadImage(owner), await uploadImage(owner)];
  const album = await call<{ id: string }>(owner, 'POST', '/api/collections', { name: 'Summer album' });
  for (const assetId of [first, second]) await call(owner, 'POST', `/api/collections/${album.id}/items`, { assetId });
  const link = await call<{ url: string }>(owner, 'POST', '/api/share-links', {
    resourceType: 'collection',
    resourceId: album.id,
    password: 'album password',
  });

  const ctx = await b.context();
  // A browser that drops the unlock cookie: the page must fall back to the unlock token it was given.
  // (Sent from Node: route.fetch() would store the cookie in the context's jar.)
  await ctx.route('**/api/share/*/unlock', async (route) => {
    const req = route.request();
    const res = await fetch(req.url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.url },
      body: req.postData() ?? '',
    });
    await route.fulfill({ status: res.status, contentType: 'application/json', body: await res.text() });
  });
  const page = await ctx.newPage();
  await page.goto(pageOf(link));
  await page.getByLabel('Password').fill('album password');
  await page.getByRole('button', { name: 'Open' }).click();
  // The unlock runs the slow password hash: give it time.
  await poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 15_000 }).toBe('Summer album');
  expect(await ctx.cookies(stack.url)).toEqual([]);
  const tiles = page.locator('.share-tile');
  await poll(() => tiles.count()).toBe(2);
  const thumbs = page.locator('.share-tile img');
  await poll(
    () => thumbs.evaluateAll((els) => els.map((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0)),
    { timeout: 15_000 },
  ).toEqual([true, true]);
  expect(await thumbs.first().getAttribute('src')).toMatch(/^\/s\/[^/]+\/[0-9a-f-]{36}\/w\d+\.jpg\?u=/);

  // A tile opens its item in the viewer (a modal dialog); Escape closes it and focus returns to the tile.
  await tiles.first().click();
  const item = page.getByRole('dialog', { name: 'sunrise.png' });
  await item.waitFor();
  const big = item.locator('.viewer-stage img');
  await poll(() => big.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
  // The link gives view only: no download.
  expect(await item.getByRole('link', { name: /Download/ }).count()).toBe(0);
  await page.keyboard.press('Escape');
  await poll(() => item.isVisible()).toBe(false);
  expect(await page.evaluate(() => document.activeElement?.classList.contains('share-tile'))).toBe(true);
  await ctx.close();

  // A token that is not a share token.
  const bad = await (await b.context()).newPage();
  await bad.goto(`${stack.url}/share/not-a-token`);
  await poll(() => bad.getByRole('heading', { level: 1 }).textContent()).toBe('This link is not valid');
  await bad.context().close();

  // Expected failed loads, all on share pages: 401 before the password, 401 for the
  // first reload after the unlock (the cookie was dropped; the page then retries with
  // the unlock token), and 401 for the bad token.
  expect(
    b.errors.filter(
      (e) =>
        !/^console: Failed to load resource: the server responded with a status of 401 \(Unauthorized\) \(http:\/\/127\.0\.0\.1:\d+\/share\/[^)]+\)$/.test(
          e,
        ),
    ),
  ).toEqual([]);
});
