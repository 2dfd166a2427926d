/**
 * The webhook dispatcher against real PostgreSQL and a real HTTP receiver on
 * 127.0.0.1: deliveries are signed per Standard Webhooks (checked with the
 * library's Webhook.verify and, independently, with node:crypto HMAC as the
 * spec describes), retried on the backoff schedule under a frozen clock,
 * failed and the endpoint disabled after the last attempt; rotation signs
 * with both secrets; names resolving to private addresses are refused at
 * delivery time and the connection goes to the checked address; redirects
 * are not followed; a silent receiver times out.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS } from '../../origin/webhooks/backoff.ts';
import { type DispatchDeps, dispatchWebhooks, webhookSettings } from '../../origin/webhooks/dispatcher.ts';
import type { Database, DatabaseHandle } from '../../shared/db/database.ts';
import { webhookDeliveries, webhookEndpoints } from '../../shared/db/schema.ts';
import { enqueueAssetEvent } from '../../shared/webhooks/outbox.ts';
import { newWebhookSecret, sealWebhookSecret } from '../../shared/webhooks/secret-box.ts';
import { type Receiver, startReceiver } from './support/webhook-receiver.ts';
import { clock, createAsset, memoryLogger, openDb } from './support/video-env.ts';

const SETTINGS = webhookSettings({ APP_ENV: 'test', WEBHOOK_ALLOW_LOOPBACK_HTTP: true });

async function ownerOf(db: Database, assetId: string): Promise<string> {
  const rows = await db.query.assets.findFirst({ where: (a, { eq: is }) => is(a.id, assetId), columns: { ownerId: true } });
  return rows!.ownerId;
}

async function addEndpoint(db: Database, userId: string, url: string, events = ['asset.ready', 'upload.received']) {
  const id = crypto.randomUUID();
  const secret = newWebhookSecret();
  await db.insert(webhookEndpoints).values({
    id,
    userId,
    url,
    eventTypes: events,
    secretSealed: await sealWebhookSecret(SETTINGS.keyMaterial, id, secret),
  });
  return { id, secret };
}

/** The spec's signature, computed without the library: base64(HMAC-SHA256(key, `${id}.${ts}.${body}`)). */
function foreignSignature(secret: string, id: string, ts: string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
}

function signaturesOf(header: string | string[] | undefined): string[] {
  return String(header)
    .split(' ')
    .map((s) => s.split(',')[1]!);
}

const deliveriesOf = (db: Database, endpointId: string) =>
  db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId));

describe('webhook dispatcher on PostgreSQL', () => {
  let handle: DatabaseHandle;
  let receiver: Receiver;
  beforeAll(async () => {
    handle = await openDb('neon');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await handle?.close();
  });
  const deps = (over: Partial<DispatchDeps> = {}): DispatchDeps => ({
    db: handle.db,
    now: () => new Date(),
    log: memoryLogger(),
    webhooks: SETTINGS,
    ...over,
  });

  it('delivers a signed event that verifies with the library and with a plain HMAC, only to the owner', async () => {
    const db = handle.db;
    receiver.received.length = 0;
    const assetId = await createAsset(db, { status: 'ready' });
    const stranger = await createAsset(db);
    const mine = await addEndpoint(db, await ownerOf(db, assetId), receiver.url);
    const theirs = await addEndpoint(db, await ownerOf(db, stranger), 'https://hooks.example.com/x');
    await db.transaction((tx) => enqueueAssetEvent(tx, 'asset.ready', assetId, { status: 'ready' }, new Date()));
    expect(await deliveriesOf(db, theirs.id)).toHaveLength(0);
    const result = await dispatchWebhooks(deps());
    expect(result.delivered).toBe(1);
    const [got] = receiver.received;
    const h = got!.headers;
    expect(h['content-type']).toBe('application/json');
    const payload = new Webhook(mine.secret).verify(got!.body, h as Record<string, string>) as {
      type: string;
      data: Record<string, unknown>;
    };
    expect(payload.type).toBe('asset.ready');
    expect(payload.data).toEqual({ assetId, status: 'ready' });
    const [sig] = signaturesOf(h['webhook-signature']);
    const expected = foreignSignature(mine.secret, String(h['webhook-id']), String(h['webhook-timestamp']), got!.body);
    expect(timingSafeEqual(Buffer.from(sig!), Buffer.from(expected))).toBe(true);
    expect(String(h['webhook-id'])).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(got!.body).not.toContain(mine.secret);
    const [row] = await deliveriesOf(db, mine.id);
    expect(row).toMatchObject({ attempts: 1, lastStatus: 204, nextAttemptAt: null, failedAt: null });
    expect(row!.deliveredAt).not.toBeNull();
    // A tampered body does not verify.
    expect(() => new Webhook(mine.secret).verify(`${got!.body} `, h as Record<string, string>)).toThrow();
  });

  it('retries on the backoff schedule under a frozen clock, then fails the delivery and disables the endpoint', async () => {
    const db = handle.db;
    receiver.received.length = 0;
    receiver.answer = (res) => res.writeHead(500).end('no');
    const t = clock(new Date('2031-05-01T00:00:00Z'));
    const assetId = await createAsset(db);
    const ep = await addEndpoint(db, await ownerOf(db, assetId), receiver.url);
    await enqueueAssetEvent(db, 'upload.received', assetId, { size: 1 }, t.now());
    // The row was made due at the database's now(); the frozen clock is later.
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const r = await dispatchWebhooks(deps({ now: t.now }));
      expect(r.retrying + r.failed, `attempt ${attempt}`).toBe(1);
      const [row] = await deliveriesOf(db, ep.id);
      expect(row!.attempts).toBe(attempt);
      expect(row!.lastStatus).toBe(500);
      const delay = RETRY_DELAYS_MS[attempt - 1];
      if (delay === undefined) break;
      expect(row!.nextAttemptAt!.getTime()).toBe(t.now().getTime() + delay);
      // Not before its time.
      t.advance(delay - 1);
      expect((await dispatchWebhooks(deps({ now: t.now }))).retrying).toBe(0);
      t.advance(1);
    }
    const [row] = await deliveriesOf(db, ep.id);
    expect(row!.failedAt).not.toBeNull();
    expect(row!.nextAttemptAt).toBeNull();
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const [endpoint] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, ep.id));
    expect(endpoint!.enabled).toBe(false);
    expect(endpoint!.disabledReason).toMatch(/8 attempts .* failed over about a day; last: HTTP 500/);
    // A disabled endpoint gets nothing more, even when events are due.
    await enqueueAssetEvent(db, 'upload.received', assetId, { size: 1 }, t.now());
    expect(await deliveriesOf(db, ep.id)).toHaveLength(1);
    receiver.answer = (res) => res.writeHead(204).end();
  });

  it('signs with both secrets during a rotation overlap', async () => {
    const db = handle.db;
    receiver.received.length = 0;
    const assetId = await createAsset(db);
    const ep = await addEndpoint(db, await ownerOf(db, assetId), receiver.url);
    const fresh = newWebhookSecret();
    await db
      .update(webhookEndpoints)
      .set({
        previousSecretSealed: (await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, ep.id)))[0]!.secretSealed,
        previousSecretExpiresAt: new Date(Date.now() + 3_600_000),
        secretSealed: await sealWebhookSecret(SETTINGS.keyMaterial, ep.id, fresh),
      })
      .where(eq(webhookEndpoints.id, ep.id));
    await enqueueAssetEvent(db, 'asset.ready', assetId, {}, new Date());
    await dispatchWebhooks(deps());
    const [got] = receiver.received;
    expect(signaturesOf(got!.headers['webhook-signature'])).toHaveLength(2);
    for (const s of [ep.secret, fresh])
      expect(() => new Webhook(s).verify(got!.body, got!.headers as Record<string, string>)).not.toThrow();
  });

  it('refuses names that resolve to private addresses at delivery time, and connects to the address it checked', async () => {
    const db = handle.db;
    receiver.received.length = 0;
    const assetId = await createAsset(db);
    const owner = await ownerOf(db, assetId);
    const evil = await addEndpoint(db, owner, 'https://rebind.example.com/hook');
    const pinned = await addEndpoint(db, owner, `https://receiver.example.com:${receiver.port}/hook`);
    await enqueueAssetEvent(db, 'asset.ready', assetId, {}, new Date());
    // The "DNS" of this test: one name points at the metadata address, the other at the receiver.
    const answers: Record<string, string> = { 'rebind.example.com': '169.254.169.254', 'receiver.example.com': '127.0.0.1' };
    const resolve = async (host: string) => [{ address: answers[host] ?? '10.0.0.1', family: 4 }];
    const before = receiver.connections;
    await dispatchWebhooks(deps({ resolve, webhooks: { ...SETTINGS, timeoutMs: 2_000 } }));
    const [refused] = await deliveriesOf(db, evil.id);
    expect(refused!.lastError).toMatch(/^refused: rebind\.example\.com resolves to a private/);
    expect(refused!.lastStatus).toBeNull();
    // The socket dials the checked address (the receiver, loopback being allowed here): it sees one
    // connection, a TLS hello it cannot read as HTTP, so the attempt fails without a request.
    expect(receiver.connections).toBe(before + 1);
    const [other] = await deliveriesOf(db, pinned.id);
    expect(other!.deliveredAt).toBeNull();
    expect(other!.lastError).not.toBeNull();
    expect(receiver.received).toHaveLength(0);
    // Loopback is refused unless the configuration allows it (never in production).
    const strict = { ...SETTINGS, policy: { allowLoopback: false } };
    const direct = await addEndpoint(db, owner, receiver.url);
    await enqueueAssetEvent(db, 'asset.ready', assetId, {}, new Date());
    await dispatchWebhooks(deps({ webhooks: strict }));
    const [loop] = await deliveriesOf(db, direct.id);
    expect(loop!.lastError).toMatch(/^refused/);
    expect(receiver.received).toHaveLength(0);
  });

  it('does not follow redirects and times out a silent receiver', async () => {
    const db = handle.db;
    receiver.received.length = 0;
    receiver.answer = (res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    const assetId = await createAsset(db);
    const ep = await addEndpoint(db, await ownerOf(db, assetId), receiver.url);
    await enqueueAssetEvent(db, 'asset.ready', assetId, {}, new Date());
    await dispatchWebhooks(deps());
    const [row] = await deliveriesOf(db, ep.id);
    expect(row).toMatchObject({ lastStatus: 302, lastError: 'HTTP 302', deliveredAt: null });
    expect(receiver.received).toHaveLength(1);
    receiver.answer = () => {}; // never answers
    const slow = await addEndpoint(db, await ownerOf(db, assetId), receiver.url);
    await db.update(webhookEndpoints).set({ enabled: false }).where(eq(webhookEndpoints.id, ep.id));
    await enqueueAssetEvent(db, 'asset.ready', assetId, {}, new Date());
    await dispatchWebhooks(deps({ webhooks: { ...SETTINGS, timeoutMs: 300 } }));
    const [late] = await deliveriesOf(db, slow.id);
    expect(late!.lastError).toBe('timeout after 300 ms');
    receiver.answer = (res) => res.writeHead(204).end();
  });

  it('two dispatchers never take the same delivery', async () => {
    const db = handle.db;
    receiver.received.length = 0;
    const assetId = await createAsset(db);
    const ep = await addEndpoint(db, await ownerOf(db, assetId), receiver.url);
    for (let i = 0; i < 6; i++) await enqueueAssetEvent(db, 'asset.ready', assetId, { i }, new Date());
    const [a, b] = await Promise.all([dispatchWebhooks(deps()), dispatchWebhooks(deps())]);
    expect(a.delivered + b.delivered).toBe(6);
    expect(receiver.received).toHaveLength(6);
    expect((await deliveriesOf(db, ep.id)).every((d) => d.attempts === 1)).toBe(true);
  });
});
