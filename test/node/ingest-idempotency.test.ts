/**
 * At-least-once delivery: redelivery, a crash mid-job, a held or abandoned
 * lease, retries running out, partial batches, and video handed off once —
 * on PGlite and on Debian's PostgreSQL through the production driver.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../origin/handlers/ingest.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { jobs } from '../../shared/db/schema.ts';
import { IMAGE_VARIANTS } from '../../shared/profiles/image.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { S3ServiceException } from '@aws-sdk/client-s3';
import type { OriginStorage } from '../../origin/core/storage.ts';
import {
  assetRow,
  createUser,
  deliver,
  derivativeRows,
  jobRow,
  makeDeps,
  objectCreatedRecord,
  openTestDatabase,
  recordingTranscoder,
  storedKeys,
  testStorage,
  uploadAsset,
  type Driver,
} from './support/ingest-env.ts';
import { sidewaysJpeg, smallJpeg } from './support/samples.ts';

/** An error as the SDK throws it for an S3 error response. */
const s3Error = (status: number, name: string, message: string) =>
  new S3ServiceException({ name, message, $fault: 'server', $metadata: { httpStatusCode: status } });

/** Fault injector around the real client: `put` number `n` throws when `fail(n)` says so. */
function faultyPuts(real: OriginStorage, fail: (n: number) => boolean, onPut?: () => Promise<void>): OriginStorage & { puts: number } {
  const wrapper = Object.create(real) as OriginStorage & { puts: number };
  wrapper.puts = 0;
  wrapper.put = async (...args: Parameters<OriginStorage['put']>) => {
    const n = ++wrapper.puts;
    await onPut?.();
    if (fail(n)) throw s3Error(503, 'ServiceUnavailable', 'injected: storage went away');
    return real.put(...args);
  };
  return wrapper;
}

/** An MP4 as far as any sniffer can tell: an `ftyp` box (isom) and an empty `mdat`. */
const MP4_HEAD = Buffer.concat([
  Buffer.from([0, 0, 0, 0x18]),
  Buffer.from('ftypisom', 'latin1'),
  Buffer.from([0, 0, 2, 0]),
  Buffer.from('isommp42', 'latin1'),
  Buffer.from([0, 0, 0, 8]),
  Buffer.from('mdat', 'latin1'),
]);

describe.each<{ name: string; driver: Driver }>([
  { name: 'PGlite', driver: 'pglite' },
  { name: 'PostgreSQL (neon driver via relay)', driver: 'neon' },
])('ingest idempotency on $name', ({ driver }) => {
  let handle: DatabaseHandle;
  let owner: string;

  beforeAll(async () => {
    handle = await openTestDatabase(driver);
    owner = await createUser(handle.db);
  });
  afterAll(async () => handle?.close());

  it('processes the same message delivered twice once: one set of derivatives, ready', async () => {
    const deps = makeDeps(handle.db);
    const bytes = await smallJpeg(700, 500);
    const id = await uploadAsset(deps, owner, { bytes, sha256: true });
    const record = objectCreatedRecord(originalKey(id), bytes.length, { messageId: 'same' });
    const handler = createIngestHandler(deps);
    expect(await handler({ Records: [record] })).toEqual({ batchItemFailures: [] });
    const first = await derivativeRows(handle.db, id);
    expect(await handler({ Records: [record] })).toEqual({ batchItemFailures: [] });
    const second = await derivativeRows(handle.db, id);
    expect(second).toHaveLength(IMAGE_VARIANTS.length);
    expect(second).toEqual(first); // untouched: the second delivery did no work
    expect(await storedKeys(deps, id)).toHaveLength(IMAGE_VARIANTS.length);
    expect((await assetRow(handle.db, id)).status).toBe('ready');
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(deps.log.lines.some((l) => l.msg === 'ingest: already done')).toBe(true);
  });

  it('recovers from a crash mid-job: the retry ends ready with exactly one set of derivatives', async () => {
    const real = testStorage();
    let crashed = false;
    const storage = faultyPuts(real, (n) => !crashed && n === 3 && (crashed = true));
    const deps = makeDeps(handle.db, { storage });
    const bytes = await sidewaysJpeg(900, 600);
    const id = await uploadAsset(makeDeps(handle.db), owner, { bytes, sha256: true });

    expect(await deliver(deps, id, bytes.length, { messageId: 'crashy' })).toEqual(['crashy']);
    expect(crashed).toBe(true);
    expect((await assetRow(handle.db, id)).status).toBe('processing');
    expect(await derivativeRows(handle.db, id)).toEqual([]);
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({
      status: 'queued',
      attempts: 1,
      error: expect.stringContaining('injected'),
    });

    expect(await deliver(deps, id, bytes.length, { messageId: 'crashy', receiveCount: 2 })).toEqual([]);
    const rows = await derivativeRows(handle.db, id);
    expect(rows.map((r) => r.kind).sort()).toEqual([...IMAGE_VARIANTS].sort());
    expect(await storedKeys(deps, id)).toEqual(rows.map((r) => r.key).sort());
    expect(await assetRow(handle.db, id)).toMatchObject({ status: 'ready', statusReason: null });
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
  });

  it('leaves a job another worker holds alone (retry later), and takes over an abandoned one', async () => {
    const deps = makeDeps(handle.db);
    const bytes = await smallJpeg(320, 200);
    const id = await uploadAsset(deps, owner, { bytes });
    const now = new Date();
    await handle.db.insert(jobs).values({ assetId: id, type: 'ingest', status: 'processing', attempts: 1, startedAt: now });

    expect(await deliver(deps, id, bytes.length, { messageId: 'held' })).toEqual(['held']);
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'processing', attempts: 1 });
    expect(await derivativeRows(handle.db, id)).toEqual([]);
    expect(deps.log.lines.find((l) => l.msg === 'ingest: failed, will be retried')?.fields).toMatchObject({ code: 'busy' });

    const later = makeDeps(handle.db, { now: () => new Date(now.getTime() + 16 * 60 * 1000) });
    expect(await deliver(later, id, bytes.length, { messageId: 'held', receiveCount: 2 })).toEqual([]);
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect((await assetRow(handle.db, id)).status).toBe('ready');
  });

  it('lets a worker whose lease was taken over decide nothing', async () => {
    const bytes = await smallJpeg(160, 120);
    const id = await uploadAsset(makeDeps(handle.db), owner, { bytes });
    let tookOver = false;
    // While this worker is busy writing derivatives, another one takes its (stale) job over.
    const storage = faultyPuts(
      testStorage(),
      () => false,
      async () => {
        if (tookOver) return;
        tookOver = true;
        await handle.db
          .update(jobs)
          .set({ attempts: 2, startedAt: new Date() })
          .where(and(eq(jobs.assetId, id), eq(jobs.type, 'ingest')));
      },
    );
    expect(await deliver(makeDeps(handle.db, { storage }), id, bytes.length)).toEqual([]);
    expect(tookOver).toBe(true);
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'processing', attempts: 2 });
    expect((await assetRow(handle.db, id)).status).toBe('processing');
    expect(await derivativeRows(handle.db, id)).toEqual([]);
  });

  it('never moves a ready asset back to processing, even when its job runs again', async () => {
    const deps = makeDeps(handle.db);
    const bytes = await smallJpeg(300, 300);
    const id = await uploadAsset(deps, owner, { bytes, sha256: true });
    await deliver(deps, id, bytes.length);
    expect((await assetRow(handle.db, id)).status).toBe('ready');
    // Someone re-queues the job (an operator, a sweeper): the re-run must not regress the asset.
    await handle.db
      .update(jobs)
      .set({ status: 'queued' })
      .where(and(eq(jobs.assetId, id), eq(jobs.type, 'ingest')));
    const seen: string[] = [];
    const storage = faultyPuts(
      testStorage(),
      () => false,
      async () => void seen.push((await assetRow(handle.db, id)).status),
    );
    expect(await deliver(makeDeps(handle.db, { storage }), id, bytes.length)).toEqual([]);
    expect(storage.puts).toBe(IMAGE_VARIANTS.length);
    expect(new Set(seen)).toEqual(new Set(['ready']));
    expect((await assetRow(handle.db, id)).status).toBe('ready');
    expect(await derivativeRows(handle.db, id)).toHaveLength(IMAGE_VARIANTS.length);
  });

  it('fails the asset when the last delivery before the dead-letter queue fails too', async () => {
    const deps = makeDeps(handle.db, { storage: faultyPuts(testStorage(), () => true) });
    const bytes = await smallJpeg(200, 200);
    const id = await uploadAsset(makeDeps(handle.db), owner, { bytes });
    expect(await deliver(deps, id, bytes.length, { messageId: 'm', receiveCount: 4 })).toEqual(['m']);
    expect((await assetRow(handle.db, id)).status).toBe('processing');
    expect(await deliver(deps, id, bytes.length, { messageId: 'm', receiveCount: 5 })).toEqual(['m']);
    const asset = await assetRow(handle.db, id);
    expect(asset.status).toBe('failed');
    expect(asset.statusReason).toMatch(/^retries_exhausted: .*injected: storage went away/);
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('reports only the failed records of a batch', async () => {
    const good = await smallJpeg(100, 100);
    const setup = makeDeps(handle.db);
    const okId = await uploadAsset(setup, owner, { bytes: good });
    const badId = await uploadAsset(setup, owner, { bytes: good });
    // Puts for the bad asset's keys fail; the good one's go through.
    const real = testStorage();
    const storage = Object.create(real) as OriginStorage;
    storage.put = async (bucket, key, ...rest) => {
      if (key.startsWith(badId)) throw s3Error(500, 'InternalError', 'injected');
      return real.put(bucket, key, ...rest);
    };
    const res = await createIngestHandler(makeDeps(handle.db, { storage }))({
      Records: [
        objectCreatedRecord(originalKey(badId), good.length, { messageId: 'bad' }),
        objectCreatedRecord(originalKey(okId), good.length, { messageId: 'ok' }),
      ],
    });
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect((await assetRow(handle.db, okId)).status).toBe('ready');
    expect((await assetRow(handle.db, badId)).status).toBe('processing');
  });

  it('hands a video to the transcoder once, even when the message comes twice', async () => {
    const transcoder = recordingTranscoder();
    const deps = makeDeps(handle.db, { transcoder });
    const id = await uploadAsset(deps, owner, { bytes: MP4_HEAD, sha256: true, declaredType: 'video/quicktime' });
    const record = objectCreatedRecord(originalKey(id), MP4_HEAD.length);
    const handler = createIngestHandler(deps);
    expect(await handler({ Records: [record] })).toEqual({ batchItemFailures: [] });
    expect(await handler({ Records: [record] })).toEqual({ batchItemFailures: [] });
    const job = await jobRow(handle.db, id, 'transcode');
    expect(transcoder.requests).toEqual([
      {
        assetId: id,
        jobId: job!.id,
        inputBucket: 'raw',
        inputKey: originalKey(id),
        outputBucket: 'derivatives',
        outputPrefix: `${id}/`,
        attempt: 0,
      },
    ]);
    expect(job).toMatchObject({ status: 'processing', externalId: 'local-1', attempts: 1 });
    expect(await assetRow(handle.db, id)).toMatchObject({ status: 'processing', detectedType: 'video/mp4' });
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await derivativeRows(handle.db, id)).toEqual([]);
  });
});
