/**
 * The local dispatcher fed by a real storage server's notifications: the same
 * event shapes AWS delivers, at-least-once delivery, partial batch failures,
 * and dead letters, kept in Postgres (an in-memory PGlite here; the queue's
 * own suite runs it on PostgreSQL too).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectCreatedEvent, SqsEvent, SqsHandler, SqsRecord } from '../../origin/events/types.ts';
import { LocalDispatcher, type DispatcherOptions } from '../../local/dispatcher.ts';
import { openPgliteDatabase, type PgliteHandle } from '../../shared/db/pglite.ts';
import { startLocalS3, type LocalS3 } from '../../local/s3-server.ts';
import { S3Client } from '../../edge/storage/s3-client.ts';

let server: LocalS3;
let dir: string;
let s3: S3Client;
let pg: PgliteHandle;
let queues = 0;

/** A dispatcher on a queue of its own, fed by the storage server. */
async function dispatcher(handler: SqsHandler, opts: Partial<DispatcherOptions> = {}): Promise<LocalDispatcher> {
  const d = await LocalDispatcher.start({ db: pg.db, queue: `q${++queues}`, bucket: 'raw', handler, ...opts });
  server.onEvent(d.onStorageEvent);
  return d;
}

beforeAll(async () => {
  pg = await openPgliteDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'media-dispatch-'));
  server = await startLocalS3({ directory: dir, port: 0, buckets: ['raw', 'derivatives'], corsOrigins: [] });
  s3 = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
});
afterAll(async () => {
  await pg?.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function collector(decide: (r: SqsRecord, call: number) => boolean = () => true) {
  const calls: SqsEvent[] = [];
  const handler = async (event: SqsEvent) => {
    calls.push(event);
    return {
      batchItemFailures: event.Records.filter((r) => !decide(r, calls.length)).map((r) => ({ itemIdentifier: r.messageId })),
    };
  };
  return { calls, handler };
}

describe('local dispatcher', () => {
  it('delivers a raw-bucket upload as an SQS record carrying the EventBridge event', async () => {
    const { calls, handler } = collector();
    const d = await dispatcher(handler, { region: 'eu-central-1' });
    await s3.put('raw', 'a1/original', 'twelve bytes');
    await s3.put('derivatives', 'a1/w150.webp', 'ignored');
    await d.idle();
    await d.close();
    const records = calls.flatMap((c) => c.Records);
    expect(records).toHaveLength(1);
    const rec = records[0]!;
    expect(rec).toMatchObject({ eventSource: 'aws:sqs', awsRegion: 'eu-central-1', attributes: { ApproximateReceiveCount: '1' } });
    const event = JSON.parse(rec.body) as ObjectCreatedEvent;
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      resources: ['arn:aws:s3:::raw'],
      detail: { bucket: { name: 'raw' }, object: { key: 'a1/original', size: 12 }, reason: 'PutObject' },
    });
    expect(event.detail.object.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('reports a completed multipart upload with its reason', async () => {
    const { calls, handler } = collector();
    const d = await dispatcher(handler);
    const id = await s3.createMultipartUpload('raw', 'a2/original');
    const part = await fetch(await s3.presignUploadPart('raw', 'a2/original', id, 1, 60), { method: 'PUT', body: 'abc' });
    await s3.completeMultipartUpload('raw', 'a2/original', id, [{ partNumber: 1, etag: part.headers.get('etag')! }]);
    await d.idle();
    await d.close();
    const events = calls.flatMap((c) => c.Records).map((r) => JSON.parse(r.body) as ObjectCreatedEvent);
    expect(events.map((e) => [e.detail.object.key, e.detail.reason])).toEqual([['a2/original', 'CompleteMultipartUpload']]);
  });

  it('redelivers only the failed items of a batch, counting receives', async () => {
    const { calls, handler } = collector(
      (r) => !(JSON.parse(r.body) as { n: number }).n || Number(r.attributes.ApproximateReceiveCount) >= 3,
    );
    const d = await dispatcher(handler, { retryDelayMs: 5 });
    await Promise.all([d.send(JSON.stringify({ n: 0 })), d.send(JSON.stringify({ n: 1 }))]);
    await d.idle();
    await d.close();
    const deliveries = calls.flatMap((c) => c.Records).map((r) => [JSON.parse(r.body).n, r.attributes.ApproximateReceiveCount]);
    expect(deliveries).toEqual([
      [0, '1'],
      [1, '1'],
      [1, '2'],
      [1, '3'],
    ]);
    expect(await d.deadLetters()).toEqual([]);
  });

  it('dead-letters a message after maxReceiveCount, and a thrown handler fails the whole batch', async () => {
    const receives: Record<string, number> = {};
    let firstBatch: string[] | undefined;
    const d = await dispatcher(
      async (event) => {
        firstBatch ??= event.Records.map((r) => r.body);
        for (const r of event.Records) receives[r.body] = (receives[r.body] ?? 0) + 1;
        throw new Error('boom');
      },
      { maxReceiveCount: 3, retryDelayMs: 5 },
    );
    await Promise.all([d.send('{"a":1}'), d.send('{"b":2}')]);
    await d.idle();
    await d.close();
    expect(firstBatch).toEqual(['{"a":1}', '{"b":2}']); // one batch, both failed by the throw
    expect(receives).toEqual({ '{"a":1}': 3, '{"b":2}': 3 });
    expect((await d.deadLetters()).map((m) => [m.body, m.receiveCount]).sort()).toEqual([
      ['{"a":1}', 3],
      ['{"b":2}', 3],
    ]);
  });

  it('delivers again, after a restart, what a killed process had received', async () => {
    const name = `q${++queues}`;
    let release!: () => void;
    let received!: () => void;
    const hung = new Promise<void>((r) => (release = r));
    const got = new Promise<void>((r) => (received = r));
    // The first process receives the message and never finishes (as if killed mid-batch).
    const first = await LocalDispatcher.start({
      db: pg.db,
      queue: name,
      bucket: 'raw',
      visibilityMs: 600_000,
      handler: async () => {
        received();
        await hung;
        return { batchItemFailures: [] };
      },
    });
    await first.send('{"crash":1}');
    await got;
    const { calls, handler } = collector();
    const second = await LocalDispatcher.start({ db: pg.db, queue: name, bucket: 'raw', handler });
    await second.idle();
    expect(calls.flatMap((c) => c.Records).map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([['{"crash":1}', '2']]);
    await second.close();
    // The first one's late success holds an old receipt: it deletes nothing and changes nothing.
    release();
    await first.close();
    expect(await first.queue.live()).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it('re-queues an object once while a message for it is still queued, and again after it was handled', async () => {
    const { calls, handler } = collector();
    const d = await LocalDispatcher.start({ db: pg.db, queue: `q${++queues}`, bucket: 'raw', handler }, { deliver: false });
    const o = { bucket: 'raw', key: 'a3/original', size: 3, etag: '"abc"' };
    expect(await d.requeue(o)).toBe(true);
    expect(await d.requeue(o)).toBe(false);
    d.resume();
    await d.idle();
    expect(await d.requeue(o)).toBe(true);
    await d.idle();
    await d.close();
    const events = calls.flatMap((c) => c.Records).map((r) => JSON.parse(r.body) as ObjectCreatedEvent);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'raw' }, object: { key: 'a3/original', size: 3, etag: 'abc' } },
    });
  });
});
