/**
 * Reconciliation against a real database and the real S3 server: which
 * unfinished assets get their ingest re-queued, which leases count as dead,
 * which `pending` assets are failed as never uploaded, and that running it
 * twice (at-least-once) still ends with one job row and one set of
 * derivatives. Plus the SQS sender the sweeper Lambda uses, at its HTTP boundary.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDispatcher } from '../../local/dispatcher.ts';
import { createIngestHandler } from '../../origin/handlers/ingest.ts';
import { INGEST_LEASE_MS } from '../../origin/pipeline/ingest.ts';
import { NEVER_UPLOADED, reconcile } from '../../origin/pipeline/reconcile.ts';
import { SqsRequeue, type RequeuedObject } from '../../origin/pipeline/reconcile-requeue.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { assets, jobs, uploads, webhookDeliveries, webhookEndpoints } from '../../shared/db/schema.ts';
import { IMAGE_VARIANTS } from '../../shared/profiles/image.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { assetRow, createUser, derivativeRows, makeDeps, openTestDatabase, uploadAsset } from './support/ingest-env.ts';
import { smallJpeg } from './support/samples.ts';

let handle: DatabaseHandle;
let owner: string;
const HOUR = 60 * 60_000;

beforeAll(async () => {
  handle = await openTestDatabase('pglite');
  owner = await createUser(handle.db);
});
afterAll(async () => {
  await handle?.close();
});

function recordingRequeue() {
  const sent: RequeuedObject[] = [];
  return { sent, requeue: async (o: RequeuedObject) => (sent.push(o), true) };
}

/** Moves an asset's clock back, as if nobody had touched it for `ms`. */
async function age(id: string, ms: number, created = false) {
  const at = new Date(Date.now() - ms);
  await handle.db
    .update(assets)
    .set({ updatedAt: at, ...(created ? { createdAt: at } : {}) })
    .where(eq(assets.id, id));
}

async function pendingAsset(): Promise<string> {
  const [a] = await handle.db
    .insert(assets)
    .values({ ownerId: owner, filename: 'x.jpg', declaredType: 'image/jpeg', size: 10 })
    .returning({ id: assets.id });
  return a!.id;
}

describe('reconcile', () => {
  it('re-queues the ingest of unfinished assets whose original is stored, and leaves alone what is in progress or done', async () => {
    const deps = makeDeps(handle.db);
    const bytes = new Uint8Array(await smallJpeg(64, 48));
    const lost = await uploadAsset(deps, owner, { bytes, declaredType: 'image/jpeg' });
    const fresh = await uploadAsset(deps, owner, { bytes, declaredType: 'image/jpeg' });
    const deleted = await uploadAsset(deps, owner, { bytes, declaredType: 'image/jpeg' });
    const leased = await uploadAsset(deps, owner, { bytes, declaredType: 'image/jpeg' });
    const staleLease = await uploadAsset(deps, owner, { bytes, declaredType: 'image/jpeg' });
    const transcoding = await uploadAsset(deps, owner, { bytes, declaredType: 'video/mp4' });
    for (const id of [lost, deleted, leased, staleLease, transcoding]) await age(id, HOUR);
    await handle.db.update(assets).set({ deletedAt: new Date() }).where(eq(assets.id, deleted));
    await handle.db
      .update(assets)
      .set({ status: 'processing', updatedAt: new Date(Date.now() - HOUR) })
      .where(eq(assets.id, leased));
    await handle.db.insert(jobs).values([
      { assetId: leased, type: 'ingest', status: 'processing', startedAt: new Date(), attempts: 1 },
      { assetId: staleLease, type: 'ingest', status: 'processing', startedAt: new Date(Date.now() - HOUR), attempts: 1 },
      { assetId: transcoding, type: 'ingest', status: 'succeeded', attempts: 1 },
      { assetId: transcoding, type: 'transcode', status: 'processing', attempts: 1, externalId: 'mc-1' },
    ]);
    const q = recordingRequeue();
    const res = await reconcile({ ...deps, requeue: q });
    expect(res.requeued.sort()).toEqual([lost, staleLease].sort());
    expect(res.released).toEqual([]);
    const sentLost = q.sent.find((o) => o.key === originalKey(lost))!;
    expect(sentLost).toMatchObject({ bucket: 'raw', size: bytes.length, etag: expect.stringMatching(/[0-9a-f]{32}/) });

    // At local start-up no worker is alive: a fresh lease is dead too.
    const q2 = recordingRequeue();
    const res2 = await reconcile({ ...deps, requeue: q2 }, { workersGone: true, graceMs: 0 });
    expect(res2.requeued).toContain(leased);
    expect(res2.requeued).toContain(fresh);
    expect(res2.requeued).not.toContain(deleted);
    expect(res2.requeued).not.toContain(transcoding);
    const [job] = await handle.db.select().from(jobs).where(eq(jobs.assetId, leased));
    expect(job).toMatchObject({ status: 'queued', error: expect.stringMatching(/released at start-up/) });
  });

  it('fails a pending asset with no original past the upload window, unless an upload of it is still open', async () => {
    const deps = makeDeps(handle.db);
    // The owner's webhook endpoint hears of the failure (the outbox row; the dispatcher is tested elsewhere).
    const [endpoint] = await handle.db
      .insert(webhookEndpoints)
      .values({ userId: owner, url: 'https://hooks.example.com/x', eventTypes: ['asset.failed'], secretSealed: 'not opened here' })
      .returning({ id: webhookEndpoints.id });
    const failedEvents = async () =>
      (await handle.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint!.id))).map(
        (d) => JSON.parse(d.payload) as { type: string; data: Record<string, unknown> },
      );
    const never = await pendingAsset();
    const open = await pendingAsset();
    const recent = await pendingAsset();
    for (const id of [never, open]) await age(id, 72 * HOUR, true);
    await age(recent, HOUR, true);
    await handle.db
      .insert(uploads)
      .values({ assetId: open, userId: owner, key: originalKey(open), expiresAt: new Date(Date.now() + HOUR) });
    const res = await reconcile({ ...deps, requeue: recordingRequeue() });
    expect(res.neverUploaded).toEqual([never]);
    expect(await assetRow(handle.db, never)).toMatchObject({ status: 'failed', statusReason: NEVER_UPLOADED });
    expect((await assetRow(handle.db, open)).status).toBe('pending');
    expect((await assetRow(handle.db, recent)).status).toBe('pending');
    expect(await failedEvents()).toMatchObject([
      { type: 'asset.failed', data: { assetId: never, status: 'failed', reason: NEVER_UPLOADED } },
    ]);
    // Repeating changes nothing, and reports nothing again.
    expect((await reconcile({ ...deps, requeue: recordingRequeue() })).neverUploaded).toEqual([]);
    expect(await failedEvents()).toHaveLength(1);
  });

  it('run twice over a lost event, ends with one ingest job and one set of derivatives', async () => {
    const deps = makeDeps(handle.db);
    const bytes = new Uint8Array(await smallJpeg(640, 480));
    const id = await uploadAsset(deps, owner, { bytes, declaredType: 'image/jpeg', sha256: true });
    const dispatcher = await LocalDispatcher.start(
      { db: handle.db, queue: 'reconcile-e2e', bucket: 'raw', handler: createIngestHandler(deps) },
      { deliver: false },
    );
    const first = await reconcile({ ...deps, requeue: dispatcher }, { graceMs: 0 });
    const second = await reconcile({ ...deps, requeue: dispatcher }, { graceMs: 0 });
    expect(first.requeued).toContain(id);
    expect(second.requeued).not.toContain(id); // already queued: not sent twice
    dispatcher.resume();
    await dispatcher.idle();
    // A late duplicate (AWS has no de-duplication) changes nothing either.
    await dispatcher.send(
      JSON.stringify({
        'detail-type': 'Object Created',
        detail: { bucket: { name: 'raw' }, object: { key: originalKey(id), size: bytes.length, etag: 'x' } },
      }),
    );
    await dispatcher.idle();
    await dispatcher.close();
    expect((await assetRow(handle.db, id)).status).toBe('ready');
    expect((await derivativeRows(handle.db, id)).map((d) => d.kind)).toEqual([...IMAGE_VARIANTS].sort());
    expect(await handle.db.select({ id: jobs.id }).from(jobs).where(eq(jobs.assetId, id))).toHaveLength(1);
    expect(await dispatcher.deadLetters()).toEqual([]);
    expect((await reconcile({ ...deps, requeue: recordingRequeue() }, { graceMs: 0 })).requeued).not.toContain(id);
  });

  it('uses the ingest lease of the pipeline as its default', async () => {
    // reconcile.ts cannot import ingest.ts (sharp would enter the sweeper's bundle); this keeps them equal.
    const deps = makeDeps(handle.db);
    const id = await uploadAsset(deps, owner, { bytes: new Uint8Array(await smallJpeg(32, 32)) });
    await age(id, 2 * INGEST_LEASE_MS);
    const startedAt = (offset: number) => new Date(Date.now() - INGEST_LEASE_MS + offset);
    await handle.db.insert(jobs).values({ assetId: id, type: 'ingest', status: 'processing', startedAt: startedAt(60_000), attempts: 1 });
    expect((await reconcile({ ...deps, requeue: recordingRequeue() })).requeued).not.toContain(id);
    await handle.db
      .update(jobs)
      .set({ startedAt: startedAt(-60_000) })
      .where(eq(jobs.assetId, id));
    expect((await reconcile({ ...deps, requeue: recordingRequeue() })).requeued).toContain(id);
  });
});

describe('SqsRequeue (the sweeper Lambda sends to the ingest queue)', () => {
  it('sends the S3 event as SendMessage over the JSON protocol, signed for sqs; an error answer throws', async () => {
    const seen: { headers: IncomingMessage['headers']; body: string; url: string }[] = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ headers: req.headers, body, url: req.url ?? '' });
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          status === 200 ? JSON.stringify({ MessageId: 'm-1', MD5OfMessageBody: 'x' }) : '{"__type":"com.amazonaws.sqs#QueueDoesNotExist"}',
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const queueUrl = `http://127.0.0.1:${port}/123456789012/ingest`;
      const sqs = new SqsRequeue({
        queueUrl,
        region: 'eu-central-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      });
      const obj = { bucket: 'raw-bucket', key: 'a1/original', size: 42, etag: '"d41d8cd98f00b204e9800998ecf8427e"', versionId: 'v1' };
      expect(await sqs.requeue(obj)).toBe(true);
      const req = seen[0]!;
      expect(req.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
      expect(req.headers['content-type']).toBe('application/x-amz-json-1.0');
      expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/sqs\/aws4_request/);
      const sent = JSON.parse(req.body) as { QueueUrl: string; MessageBody: string };
      expect(sent.QueueUrl).toBe(queueUrl);
      expect(JSON.parse(sent.MessageBody)).toMatchObject({
        'detail-type': 'Object Created',
        source: 'aws.s3',
        region: 'eu-central-1',
        detail: {
          bucket: { name: 'raw-bucket' },
          object: { key: 'a1/original', size: 42, etag: 'd41d8cd98f00b204e9800998ecf8427e', 'version-id': 'v1' },
        },
      });
      status = 400;
      await expect(sqs.requeue(obj)).rejects.toThrow(/SendMessage answered 400.*QueueDoesNotExist/);
    } finally {
      server.close();
    }
  });
});
