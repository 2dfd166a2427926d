/**
 * The webhooks API in workerd with real PostgreSQL: an endpoint is created
 * with its secret shown once (stored sealed), listed, changed, rotated,
 * tested, redelivered and deleted by its owner's session only; bad URLs
 * (private, loopback, link-local, not https), unknown events and the cap are
 * refused with nothing written; another user's endpoint is 404; API keys,
 * anonymous callers and ended sessions are refused. Share-link opens and
 * downloads (a file, or a collection's archive) write `share_link.*` outbox
 * rows for the link's creator in the same statement (nothing is sent from the edge).
 */
import { SELF } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { webhookDeliveries, webhookEndpoints } from '../../shared/db/schema.ts';
import { createKey, withKey } from './support/api-keys.ts';
import { call, errorOf, register } from './support/auth.ts';
import { createAsset, putVariant, uid, withDb } from './support/fixtures.ts';
import { makeLink } from './support/share-links.ts';
import { collectionOf, storedAsset } from './support/zip-world.ts';

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  previousSecretExpiresAt: string | null;
}
interface Delivery {
  id: string;
  state: string;
  attempts: number;
  eventType: string;
  payload: string;
}

const HOOK = 'https://hooks.example.com/media';

async function create(token: string, json: unknown = { url: HOOK, events: ['asset.ready'] }) {
  const res = await call('/api/webhooks', { token, json });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as { endpoint: Endpoint; secret: string };
}

const endpointRows = (userId: string) => withDb((db) => db.select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId)));
const deliveryRows = (endpointId: string, type?: string) =>
  withDb((db) =>
    db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.endpointId, endpointId), type ? eq(webhookDeliveries.eventType, type) : undefined)),
  );

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect((await errorOf(res)).code).toBe(code);
}

describe('creating and reading', () => {
  it('answers the whsec_ secret once, stores it sealed, lists and reads without it', async () => {
    const reg = await register('hooks');
    const { endpoint, secret } = await create(reg.accessToken, {
      url: HOOK,
      events: ['asset.ready', 'share_link.opened'],
      description: 'ci',
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(endpoint).toMatchObject({ url: HOOK, events: ['asset.ready', 'share_link.opened'], enabled: true, disabledReason: null });
    const [row] = await endpointRows(reg.user.id);
    expect(row!.secretSealed).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(secret.slice(6));
    for (const path of ['/api/webhooks', `/api/webhooks/${endpoint.id}`]) {
      const text = await (await call(path, { token: reg.accessToken })).text();
      expect(text).toContain(endpoint.id);
      expect(text).not.toContain(secret.slice(6));
    }
  });

  it('refuses bad URLs, private addresses and unknown events with 400 and creates nothing', async () => {
    const reg = await register('hooks-bad');
    const bad = [
      { url: 'not a url', events: ['asset.ready'] },
      { url: 'http://hooks.example.com/x', events: ['asset.ready'] },
      { url: 'https://10.0.0.1/x', events: ['asset.ready'] },
      { url: 'https://192.168.1.20/x', events: ['asset.ready'] },
      { url: 'https://169.254.169.254/latest/meta-data/', events: ['asset.ready'] },
      { url: 'https://100.64.0.1/', events: ['asset.ready'] },
      { url: 'https://[::1]/', events: ['asset.ready'] },
      { url: 'https://[::ffff:127.0.0.1]/', events: ['asset.ready'] },
      { url: 'https://[fd00::1]/', events: ['asset.ready'] },
      { url: 'https://[fe80::1]/', events: ['asset.ready'] },
      { url: 'https://167772161/', events: ['asset.ready'] }, // decimal 10.0.0.1
      { url: 'https://0xa9fea9fe/', events: ['asset.ready'] }, // hex 169.254.169.254
      { url: 'https://012.0.0.1/', events: ['asset.ready'] }, // octal 10.0.0.1
      { url: 'https://localhost/', events: ['asset.ready'] },
      { url: 'https://metadata.google.internal/', events: ['asset.ready'] },
      { url: 'https://u:p@hooks.example.com/', events: ['asset.ready'] },
      { url: 'http://127.0.0.2:9/', events: ['asset.ready'] },
      { url: HOOK, events: ['asset.deleted'] },
      { url: HOOK, events: [] },
      { url: HOOK, events: ['asset.ready', 'asset.ready'] },
      { url: HOOK, events: ['asset.ready'], userId: uid() },
      { url: `https://x.example.com/${'a'.repeat(2100)}`, events: ['asset.ready'] },
    ];
    for (const json of bad) {
      const res = await call('/api/webhooks', { token: reg.accessToken, json });
      expect(res.status, JSON.stringify(json).slice(0, 80)).toBe(400);
      expect((await errorOf(res)).code).toBe('validation_failed');
    }
    const priv = await errorOf(
      await call('/api/webhooks', { token: reg.accessToken, json: { url: 'https://10.0.0.1/', events: ['asset.ready'] } }),
    );
    expect(priv.details).toMatchObject({ fields: [{ field: 'url', code: 'address' }] });
    expect(await endpointRows(reg.user.id)).toHaveLength(0);
  });

  it('accepts http://127.0.0.1 here only because the test configuration allows loopback', async () => {
    const reg = await register('hooks-loop');
    const { endpoint } = await create(reg.accessToken, { url: 'http://127.0.0.1:9999/hook', events: ['upload.received'] });
    expect(endpoint.url).toBe('http://127.0.0.1:9999/hook');
  });

  it('caps endpoints per user at 10 (409, nothing written)', async () => {
    const reg = await register('hooks-cap');
    for (let i = 0; i < 10; i++) await create(reg.accessToken);
    await expectError(
      await call('/api/webhooks', { token: reg.accessToken, json: { url: HOOK, events: ['asset.ready'] } }),
      409,
      'conflict',
    );
    expect(await endpointRows(reg.user.id)).toHaveLength(10);
  });
});

describe('who may', () => {
  it("answers 404 for another user's endpoint on every route and changes nothing", async () => {
    const owner = await register('hooks-owner');
    const other = await register('hooks-other');
    const { endpoint } = await create(owner.accessToken);
    await call(`/api/webhooks/${endpoint.id}/test`, { method: 'POST', token: owner.accessToken });
    const [delivery] = await deliveryRows(endpoint.id);
    const t = other.accessToken;
    const id = endpoint.id;
    const attempts: [string, { method?: string; json?: unknown }][] = [
      [`/api/webhooks/${id}`, {}],
      [`/api/webhooks/${id}`, { method: 'PATCH', json: { url: 'https://evil.example.com/' } }],
      [`/api/webhooks/${id}`, { method: 'DELETE' }],
      [`/api/webhooks/${id}/rotate-secret`, { method: 'POST' }],
      [`/api/webhooks/${id}/deliveries`, {}],
      [`/api/webhooks/${id}/test`, { method: 'POST' }],
      [`/api/webhooks/${id}/deliveries/${delivery!.id}/redeliver`, { method: 'POST' }],
    ];
    for (const [path, o] of attempts) await expectError(await call(path, { token: t, ...o }), 404, 'not_found');
    // Their own endpoint cannot reach the owner's delivery either.
    const mine = await create(t);
    await expectError(
      await call(`/api/webhooks/${mine.endpoint.id}/deliveries/${delivery!.id}/redeliver`, { method: 'POST', token: t }),
      404,
      'not_found',
    );
    const [row] = await endpointRows(owner.user.id);
    expect(row).toMatchObject({ url: HOOK, enabled: true, previousSecretSealed: null });
    expect(await deliveryRows(id)).toHaveLength(1);
    expect((await call('/api/webhooks', { token: t }).then((r) => r.text())).includes(id)).toBe(false);
  });

  it('refuses anonymous callers (401), API keys of any scope (403), and ended sessions on writes (401)', async () => {
    const reg = await register('hooks-auth');
    const { endpoint } = await create(reg.accessToken);
    await expectError(await call('/api/webhooks'), 401, 'unauthorized');
    await expectError(await call('/api/webhooks', { json: { url: HOOK, events: ['asset.ready'] } }), 401, 'unauthorized');
    const key = await createKey(reg.accessToken, ['assets:read', 'assets:write', 'uploads', 'sharing']);
    await expectError(await withKey('/api/webhooks', key.secret), 403, 'insufficient_scope');
    await expectError(
      await withKey('/api/webhooks', key.secret, { json: { url: HOOK, events: ['asset.ready'] } }),
      403,
      'insufficient_scope',
    );
    await expectError(
      await withKey(`/api/webhooks/${endpoint.id}/rotate-secret`, key.secret, { method: 'POST' }),
      403,
      'insufficient_scope',
    );
    expect((await call('/api/auth/logout', { method: 'POST', refresh: reg.refresh })).status).toBe(204);
    await expectError(
      await call('/api/webhooks', { token: reg.accessToken, json: { url: HOOK, events: ['asset.ready'] } }),
      401,
      'session_ended',
    );
    await expectError(await call(`/api/webhooks/${endpoint.id}`, { method: 'DELETE', token: reg.accessToken }), 401, 'session_ended');
    expect(await endpointRows(reg.user.id)).toHaveLength(1);
  });
});

describe('changing', () => {
  it('updates URL and events, disables and re-enables; a private URL is refused unchanged', async () => {
    const reg = await register('hooks-patch');
    const { endpoint } = await create(reg.accessToken);
    const patch = (json: unknown) => call(`/api/webhooks/${endpoint.id}`, { method: 'PATCH', token: reg.accessToken, json });
    const changed = (await (
      await patch({ url: 'https://other.example.com/in', events: ['asset.failed', 'upload.received'] })
    ).json()) as Endpoint;
    expect(changed).toMatchObject({ url: 'https://other.example.com/in', events: ['asset.failed', 'upload.received'] });
    await expectError(await patch({ url: 'https://192.168.0.1/' }), 400, 'validation_failed');
    await expectError(await patch({}), 400, 'validation_failed');
    await expectError(await patch({ events: ['nope'] }), 400, 'validation_failed');
    const off = (await (await patch({ enabled: false })).json()) as Endpoint;
    expect(off).toMatchObject({ enabled: false, disabledReason: 'disabled by the owner' });
    const on = (await (await patch({ enabled: true })).json()) as Endpoint;
    expect(on).toMatchObject({ enabled: true, disabledReason: null, url: 'https://other.example.com/in' });
  });

  it('rotates the secret with a 24-hour overlap of the previous one', async () => {
    const reg = await register('hooks-rotate');
    const { endpoint, secret } = await create(reg.accessToken);
    const [before] = await endpointRows(reg.user.id);
    const res = await call(`/api/webhooks/${endpoint.id}/rotate-secret`, { method: 'POST', token: reg.accessToken });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { endpoint: Endpoint; secret: string };
    expect(body.secret).toMatch(/^whsec_/);
    expect(body.secret).not.toBe(secret);
    const overlap = new Date(body.endpoint.previousSecretExpiresAt!).getTime() - Date.now();
    expect(overlap).toBeGreaterThan(23 * 3_600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3_600_000);
    const [after] = await endpointRows(reg.user.id);
    expect(after!.previousSecretSealed).toBe(before!.secretSealed);
    expect(after!.secretSealed).not.toBe(before!.secretSealed);
  });

  it('queues a test event, lists it, redelivers a failed one, refuses redelivery to a disabled endpoint, deletes with its log', async () => {
    const reg = await register('hooks-test');
    const { endpoint } = await create(reg.accessToken);
    const tested = await call(`/api/webhooks/${endpoint.id}/test`, { method: 'POST', token: reg.accessToken });
    expect(tested.status).toBe(202);
    const queued = (await tested.json()) as Delivery;
    expect(queued).toMatchObject({ state: 'pending', attempts: 0, eventType: 'webhook.test' });
    expect(JSON.parse(queued.payload)).toMatchObject({ type: 'webhook.test', data: { endpointId: endpoint.id } });
    await withDb((db) =>
      db
        .update(webhookDeliveries)
        .set({ attempts: 1, nextAttemptAt: null, failedAt: new Date(), lastStatus: 500, lastError: 'HTTP 500' })
        .where(eq(webhookDeliveries.id, queued.id)),
    );
    const list = (await (await call(`/api/webhooks/${endpoint.id}/deliveries`, { token: reg.accessToken })).json()) as {
      deliveries: Delivery[];
    };
    expect(list.deliveries).toMatchObject([{ id: queued.id, state: 'failed', attempts: 1, lastStatus: 500 }]);
    const again = await call(`/api/webhooks/${endpoint.id}/deliveries/${queued.id}/redeliver`, { method: 'POST', token: reg.accessToken });
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ id: queued.id, state: 'pending', attempts: 0 });
    await call(`/api/webhooks/${endpoint.id}`, { method: 'PATCH', token: reg.accessToken, json: { enabled: false } });
    await expectError(
      await call(`/api/webhooks/${endpoint.id}/deliveries/${queued.id}/redeliver`, { method: 'POST', token: reg.accessToken }),
      409,
      'conflict',
    );
    await expectError(
      await call(`/api/webhooks/${endpoint.id}/deliveries/${uid()}/redeliver`, { method: 'POST', token: reg.accessToken }),
      409,
      'conflict',
    );
    expect((await call(`/api/webhooks/${endpoint.id}`, { method: 'DELETE', token: reg.accessToken })).status).toBe(204);
    expect(await deliveryRows(endpoint.id)).toHaveLength(0);
    await expectError(await call(`/api/webhooks/${endpoint.id}`, { token: reg.accessToken }), 404, 'not_found');
    await expectError(await call('/api/webhooks/not-a-uuid', { token: reg.accessToken }), 400, 'validation_failed');
  });
});

describe('share-link events (written at the edge, sent by the origin)', () => {
  it("writes share_link.opened (once a minute per link) and share_link.downloaded for the link creator's subscribed endpoints only", async () => {
    const owner = await register('hooks-share');
    const stranger = await register('hooks-stranger');
    const opened = await create(owner.accessToken, { url: HOOK, events: ['share_link.opened', 'share_link.downloaded'] });
    const other = await create(owner.accessToken, { url: HOOK, events: ['asset.ready'] });
    const theirs = await create(stranger.accessToken, { url: HOOK, events: ['share_link.opened', 'share_link.downloaded'] });
    const assetId = await withDb((db) => createAsset(db, owner.user.id, { filename: 'a.jpg', detectedType: 'image/jpeg' }));
    await putVariant(assetId, 'original', 'the original bytes', 'image/jpeg');
    const link = await makeLink({ resourceId: assetId, createdBy: owner.user.id, permission: 'download' });
    expect((await call(`/api/share/${link.token}`)).status).toBe(200);
    expect((await call(`/api/share/${link.token}`)).status).toBe(200);
    const opens = await deliveryRows(opened.endpoint.id, 'share_link.opened');
    expect(opens).toHaveLength(1);
    const payload = JSON.parse(opens[0]!.payload) as { type: string; timestamp: string; data: Record<string, string> };
    expect(payload).toMatchObject({ type: 'share_link.opened', data: { linkId: link.id, resourceType: 'asset', resourceId: assetId } });
    expect(opens[0]!.payload).not.toContain(link.token);
    expect(opens[0]!.nextAttemptAt).not.toBeNull();
    const dl = await SELF.fetch(`https://edge.test/s/${link.token}/original`);
    expect(dl.status).toBe(200);
    await dl.arrayBuffer();
    const downloads = await deliveryRows(opened.endpoint.id, 'share_link.downloaded');
    expect(downloads.map((d) => JSON.parse(d.payload).data)).toEqual([{ linkId: link.id, assetId }]);
    expect(await deliveryRows(other.endpoint.id)).toHaveLength(0);
    expect(await deliveryRows(theirs.endpoint.id)).toHaveLength(0);
  });

  it('a download refused by the cap writes no event', async () => {
    const owner = await register('hooks-cap-dl');
    const { endpoint } = await create(owner.accessToken, { url: HOOK, events: ['share_link.downloaded'] });
    const assetId = await withDb((db) => createAsset(db, owner.user.id, { filename: 'a.jpg', detectedType: 'image/jpeg' }));
    await putVariant(assetId, 'original', 'bytes', 'image/jpeg');
    const link = await makeLink({ resourceId: assetId, createdBy: owner.user.id, permission: 'download', maxDownloads: 1 });
    expect(await SELF.fetch(`https://edge.test/s/${link.token}/original`).then(async (r) => (await r.arrayBuffer(), r.status))).toBe(200);
    expect(await SELF.fetch(`https://edge.test/s/${link.token}/original`).then(async (r) => (await r.arrayBuffer(), r.status))).toBe(403);
    expect(await deliveryRows(endpoint.id)).toHaveLength(1);
  });

  it("a collection link's archive writes one share_link.downloaded event (archive: true); one the cap refuses writes none", async () => {
    const owner = await register('hooks-zip');
    const { endpoint } = await create(owner.accessToken, { url: HOOK, events: ['share_link.downloaded'] });
    const files = [await storedAsset(owner.user.id, 'a.bin', 300), await storedAsset(owner.user.id, 'b.bin', 400)];
    const album = await collectionOf(
      owner.user.id,
      'Hooks album',
      files.map((f) => ({ assetId: f.id, addedBy: owner.user.id })),
    );
    const link = await makeLink({
      resourceType: 'collection',
      resourceId: album,
      createdBy: owner.user.id,
      permission: 'download',
      maxDownloads: 2,
    });
    const zip = await SELF.fetch(`https://edge.test/s/${link.token}/download.zip`);
    expect(zip.status).toBe(200);
    await zip.arrayBuffer();
    const rows = await deliveryRows(endpoint.id, 'share_link.downloaded');
    expect(rows.map((d) => JSON.parse(d.payload).data)).toEqual([
      { linkId: link.id, resourceType: 'collection', resourceId: album, archive: true },
    ]);
    // Both downloads are spent: the next archive is refused and reports nothing.
    const refused = await SELF.fetch(`https://edge.test/s/${link.token}/download.zip`);
    expect(refused.status).toBe(403);
    await refused.arrayBuffer();
    expect(await deliveryRows(endpoint.id)).toHaveLength(1);
  });
});
