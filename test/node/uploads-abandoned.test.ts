/**
 * The abandoned-upload sweeper on PGlite and PostgreSQL, against the real
 * S3 server, with a hand-set clock: expired multipart uploads are aborted in
 * S3 and closed, their assets failed "upload never completed"; single PUTs get a
 * day's grace; an object that did arrive closes its upload as completed; fresh
 * and finished uploads are left alone; a second run does nothing. A failed
 * asset's owner hears of it (an `asset.failed` outbox row), once.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ABANDONED_REASON, sweepAbandonedUploads } from '../../origin/pipeline/abandoned-uploads.ts';
import type { Database, DatabaseHandle } from '../../shared/db/database.ts';
import { assets, uploads, users, webhookDeliveries, webhookEndpoints } from '../../shared/db/schema.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { S3Client } from '../../edge/storage/s3-client.ts';
import { openStorage } from '../../origin/core/storage.ts';
import { clock, DRIVERS, openDb, s3 } from './support/video-env.ts';

const HOUR = 3_600_000;
const MiB = 1024 * 1024;

describe.each(DRIVERS)('sweepAbandonedUploads on $name', ({ driver }) => {
  let handle: DatabaseHandle;
  let db: Database;
  let owner: string;
  const storage = s3();
  // The multipart uploads are the edge's (it creates them and lists their parts): its own client makes them here.
  const edge = new S3Client({ endpoint: inject('s3Endpoint'), region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  const t = clock(new Date());
  const deps = () => ({ db, storage, buckets: { raw: 'raw' }, now: t.now });

  beforeAll(async () => {
    handle = await openDb(driver);
    db = handle.db;
    const [u] = await db
      .insert(users)
      .values({ email: `sweep-${randomUUID()}@example.test`, name: 'Sweep', passwordHash: 'x' })
      .returning();
    owner = u!.id;
    await db
      .insert(webhookEndpoints)
      .values({ userId: owner, url: 'https://hooks.example.com/x', eventTypes: ['asset.failed'], secretSealed: 'not opened here' });
  });
  afterAll(async () => handle?.close());

  /** The `asset.failed` outbox rows written for an asset. */
  const failedEvents = async (assetId: string) =>
    (await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventType, 'asset.failed')))
      .map((d) => JSON.parse(d.payload) as { data: Record<string, unknown> })
      .filter((p) => p.data.assetId === assetId);

  /** An asset and its upload row; `multipart` also creates the S3 upload (with one part stored). */
  async function upload(o: {
    multipart: boolean;
    expiresInMs: number;
    status?: 'active' | 'completed' | 'aborted';
    assetStatus?: 'pending' | 'processing' | 'ready';
  }) {
    const assetId = randomUUID();
    const key = originalKey(assetId);
    await db.insert(assets).values({
      id: assetId,
      ownerId: owner,
      filename: 'f.bin',
      declaredType: 'application/octet-stream',
      size: 6 * MiB,
      status: o.assetStatus ?? 'pending',
    });
    let s3UploadId: string | null = null;
    if (o.multipart) {
      s3UploadId = await edge.createMultipartUpload('raw', key);
      const part = await fetch(await edge.presignUploadPart('raw', key, s3UploadId, 1, 60), {
        method: 'PUT',
        body: new Uint8Array(5 * MiB),
      });
      expect(part.status).toBe(200);
    }
    const [row] = await db
      .insert(uploads)
      .values({
        assetId,
        userId: owner,
        key,
        s3UploadId,
        status: o.status ?? 'active',
        expiresAt: new Date(t.now().getTime() + o.expiresInMs),
      })
      .returning();
    return { id: row!.id, assetId, key, s3UploadId };
  }

  const rows = async (u: { id: string; assetId: string }) => ({
    upload: (await db.select().from(uploads).where(eq(uploads.id, u.id)))[0]!,
    asset: (await db.select().from(assets).where(eq(assets.id, u.assetId)))[0]!,
  });

  it('aborts an expired multipart upload in S3, closes it and fails its asset; leaves fresh and finished ones', async () => {
    const expired = await upload({ multipart: true, expiresInMs: -1000 });
    const fresh = await upload({ multipart: true, expiresInMs: HOUR });
    const finished = await upload({ multipart: false, expiresInMs: -48 * HOUR, status: 'completed', assetStatus: 'ready' });
    const res = await sweepAbandonedUploads(deps());
    expect(res.aborted).toContain(expired.id);
    expect(res.aborted).not.toContain(fresh.id);
    expect(res.failed).toEqual([]);
    const e = await rows(expired);
    expect(e.upload).toMatchObject({ status: 'aborted', completedAt: t.now() });
    expect(e.asset).toMatchObject({ status: 'failed', statusReason: ABANDONED_REASON });
    expect(await failedEvents(expired.assetId)).toMatchObject([{ data: { status: 'failed', reason: ABANDONED_REASON } }]);
    expect(await failedEvents(fresh.assetId)).toEqual([]);
    await expect(edge.listParts('raw', expired.key, expired.s3UploadId!)).rejects.toMatchObject({ status: 404 });
    expect((await rows(fresh)).upload.status).toBe('active');
    expect(await edge.listParts('raw', fresh.key, fresh.s3UploadId!)).toHaveLength(1);
    expect((await rows(finished)).upload.status).toBe('completed');
    await storage.abortMultipartUpload('raw', fresh.key, fresh.s3UploadId!);
  });

  it('gives a single PUT a day past its URL expiry, then closes it: aborted with no object, completed with one', async () => {
    const recent = await upload({ multipart: false, expiresInMs: -23 * HOUR });
    const lost = await upload({ multipart: false, expiresInMs: -25 * HOUR });
    const arrived = await upload({ multipart: false, expiresInMs: -25 * HOUR, assetStatus: 'processing' });
    await storage.put('raw', arrived.key, 'bytes');
    const res = await sweepAbandonedUploads(deps());
    expect(res.aborted).toEqual(expect.arrayContaining([lost.id]));
    expect(res.completed).toEqual(expect.arrayContaining([arrived.id]));
    expect([...res.aborted, ...res.completed]).not.toContain(recent.id);
    expect(await rows(recent)).toMatchObject({ upload: { status: 'active' }, asset: { status: 'pending' } });
    expect(await rows(lost)).toMatchObject({ upload: { status: 'aborted' }, asset: { status: 'failed', statusReason: ABANDONED_REASON } });
    expect(await rows(arrived)).toMatchObject({ upload: { status: 'completed' }, asset: { status: 'processing', statusReason: null } });
  });

  it('an upload S3 already forgot (lifecycle) is closed as aborted; one whose complete won the race as completed', async () => {
    const forgotten = await upload({ multipart: true, expiresInMs: -HOUR });
    await storage.abortMultipartUpload('raw', forgotten.key, forgotten.s3UploadId!);
    const raced = await upload({ multipart: true, expiresInMs: -HOUR });
    await edge.completeMultipartUpload('raw', raced.key, raced.s3UploadId!, await edge.listParts('raw', raced.key, raced.s3UploadId!));
    const res = await sweepAbandonedUploads(deps());
    expect(res.aborted).toContain(forgotten.id);
    expect(res.completed).toContain(raced.id);
    expect(await rows(forgotten)).toMatchObject({ upload: { status: 'aborted' }, asset: { status: 'failed' } });
    expect(await rows(raced)).toMatchObject({ upload: { status: 'completed' }, asset: { status: 'pending' } });
    expect((await storage.head('raw', raced.key))?.size).toBe(5 * MiB);
  });

  it('never moves an asset the pipeline already moved on, and a second run does nothing', async () => {
    const ready = await upload({ multipart: true, expiresInMs: -HOUR, assetStatus: 'ready' });
    await sweepAbandonedUploads(deps());
    expect(await rows(ready)).toMatchObject({ upload: { status: 'aborted' }, asset: { status: 'ready' } });
    expect(await failedEvents(ready.assetId)).toEqual([]);
    expect(await sweepAbandonedUploads(deps())).toEqual({ aborted: [], completed: [], failed: [] });
  });

  it('reports an upload it could not close (storage down) and leaves it active for the next run', async () => {
    const stuck = await upload({ multipart: true, expiresInMs: -HOUR });
    const down = openStorage({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      maxAttempts: 1,
    });
    const res = await sweepAbandonedUploads({ ...deps(), storage: down });
    expect(res.failed.map((f) => f.id)).toContain(stuck.id);
    expect((await rows(stuck)).upload.status).toBe('active');
    expect((await sweepAbandonedUploads(deps())).aborted).toContain(stuck.id);
  });
});
