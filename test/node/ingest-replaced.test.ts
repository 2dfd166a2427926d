/**
 * A new version of an original after ingest (a replayed POST form, a write
 * with the bucket owner's credentials): ingest records which object it
 * checked, and a later storage event whose object differs blocks the asset
 * instead of being ignored as "already done". Redeliveries and stale events
 * for the checked object stay no-ops.
 */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../origin/handlers/ingest.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { assets, jobs } from '../../shared/db/schema.ts';
import { originalKey } from '../../shared/storage/keys.ts';
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
  readObject,
  storedKeys,
  testStorage,
  uploadAsset,
} from './support/ingest-env.ts';
import { smallJpeg } from './support/samples.ts';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

let handle: DatabaseHandle;
let owner: string;

beforeAll(async () => {
  handle = await openTestDatabase('pglite');
  owner = await createUser(handle.db);
});
afterAll(async () => handle?.close());

/** An image asset taken to `ready` by the real handler; returns its id and bytes. */
async function readyImage(seed: string) {
  const deps = makeDeps(handle.db);
  const bytes = await smallJpeg(200 + seed.length, 150);
  const id = await uploadAsset(deps, owner, { bytes, sha256: true, declaredType: 'image/jpeg' });
  expect(await deliver(deps, id, bytes.length, { etag: md5(bytes) })).toEqual([]);
  expect((await assetRow(handle.db, id)).status).toBe('ready');
  return { id, bytes, deps };
}

describe('what ingest records', () => {
  it('the ETag of the object it checked (and no version id: the local server keeps none); without one, nothing to compare', async () => {
    const { id, bytes, deps } = await readyImage('records');
    expect(await assetRow(handle.db, id)).toMatchObject({ ingestedEtag: md5(bytes), ingestedVersionId: null });
    // An asset ingested before ETags were recorded stays as it was.
    await handle.db.update(assets).set({ ingestedEtag: null }).where(eq(assets.id, id));
    expect(await deliver(deps, id, bytes.length, { etag: 'something-else' })).toEqual([]);
    expect((await assetRow(handle.db, id)).status).toBe('ready');
  });
});

describe('a storage event after ingest ended', () => {
  it('is a no-op while the checked object is stored; blocks the asset once another object is, leaving the derivatives as they were', async () => {
    const { id, bytes, deps } = await readyImage('replaced');
    // A redelivery for the checked object, and an event naming some older object while the checked one is current.
    expect(await deliver(deps, id, bytes.length, { etag: md5(bytes) })).toEqual([]);
    expect(await deliver(deps, id, bytes.length, { etag: 'an-older-etag' })).toEqual([]);
    expect(await assetRow(handle.db, id)).toMatchObject({ status: 'ready', statusReason: null });
    expect(deps.log.lines.filter((l) => l.msg === 'ingest: already done')).toHaveLength(2);
    const derived = await derivativeRows(handle.db, id);
    const keys = await storedKeys(deps, id);
    // Someone with the owner's credentials writes other bytes of the same length (the event carries their ETag).
    const other = Buffer.from(bytes).fill(7, 200, 260);
    await deps.storage.put('raw', originalKey(id), other, { contentLength: other.length });

    expect(await deliver(deps, id, other.length, { etag: md5(other) })).toEqual([]);
    const asset = await assetRow(handle.db, id);
    expect(asset.status).toBe('blocked');
    // The reason names no ETag (an MD5 of the bytes is not for whoever may view the status); the log does.
    expect(asset.statusReason).toBe('original_replaced: the stored original is not the one ingest checked');
    expect(asset.ingestedEtag).toBe(md5(bytes));
    expect(deps.log.lines.find((l) => l.msg === 'ingest: the original changed after ingest; asset blocked')?.fields).toMatchObject({
      checked: { etag: md5(bytes), versionId: null },
      stored: { etag: md5(other), versionId: null },
    });
    // Nothing was processed from the new bytes.
    expect(await derivativeRows(handle.db, id)).toEqual(derived);
    expect(await storedKeys(deps, id)).toEqual(keys);
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'succeeded', attempts: 1 });

    // Blocked stays blocked: later events (even for the checked bytes put back) are ignored.
    await deps.storage.put('raw', originalKey(id), new Uint8Array(bytes), { contentLength: bytes.length });
    const res = await createIngestHandler(deps)({ Records: [objectCreatedRecord(originalKey(id), bytes.length, { etag: md5(bytes) })] });
    expect(res.batchItemFailures).toEqual([]);
    expect(await assetRow(handle.db, id)).toMatchObject({ status: 'blocked', statusReason: asset.statusReason });
  });

  it('catches a replacement made while the first ingest was reading: the later event blocks the asset', async () => {
    const deps = makeDeps(handle.db);
    const bytes = await smallJpeg(260, 180);
    const id = await uploadAsset(deps, owner, { bytes, declaredType: 'image/jpeg' });
    const swapped = Buffer.from(bytes).fill(9, 300, 340);
    const real = testStorage();
    // Ingest has read the original by its first derivative write; the replacement lands then.
    const storage = Object.create(real) as OriginStorage;
    let replaced = false;
    storage.put = async (...args: Parameters<OriginStorage['put']>) => {
      if (!replaced) {
        replaced = true;
        await real.put('raw', originalKey(id), swapped, { contentLength: swapped.length });
      }
      return real.put(...args);
    };
    expect(await deliver(makeDeps(handle.db, { storage }), id, bytes.length, { etag: md5(bytes) })).toEqual([]);
    expect(await assetRow(handle.db, id)).toMatchObject({ status: 'ready', ingestedEtag: md5(bytes) });
    expect(await deliver(deps, id, swapped.length, { etag: md5(swapped) })).toEqual([]);
    expect((await assetRow(handle.db, id)).status).toBe('blocked');
    expect((await readObject(deps, 'raw', originalKey(id))).equals(swapped)).toBe(true);
  });

  it('a re-run that refuses new bytes on a ready asset does not make them "the checked original"', async () => {
    const { id, bytes, deps } = await readyImage('rerun');
    const other = Buffer.from(bytes).fill(1, 200, 260);
    await deps.storage.put('raw', originalKey(id), other, { contentLength: other.length });
    // An operator re-queues the job: the re-run reads the new bytes, which fail the recorded SHA-256.
    await handle.db
      .update(jobs)
      .set({ status: 'queued' })
      .where(and(eq(jobs.assetId, id), eq(jobs.type, 'ingest')));
    expect(await deliver(deps, id, other.length, { etag: md5(other) })).toEqual([]);
    expect(await jobRow(handle.db, id, 'ingest')).toMatchObject({ status: 'failed', error: expect.stringMatching(/^checksum_mismatch/) });
    expect(await assetRow(handle.db, id)).toMatchObject({ status: 'ready', ingestedEtag: md5(bytes) });
  });
});
