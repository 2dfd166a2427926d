/**
 * The database side of ingest: every status change is a conditional update,
 * so redelivered and concurrent messages can neither regress an asset
 * (`ready` never returns to `processing`) nor duplicate a derivative (rows are
 * upserted on (asset_id, kind)). The ingest job row is a lease: claimed
 * atomically, taken over when its holder has been silent past `leaseMs`, and
 * finished only by the attempt that holds it (`attempts` is the fence).
 */
import { and, eq, inArray, lt, ne, or, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Database } from '../../shared/db/database.ts';
import { assets, derivatives, jobs, linkUploads, shareLinks } from '../../shared/db/schema.ts';
import { enqueueAssetEvent } from '../../shared/webhooks/outbox.ts';
import type { AssetMetadata } from '../processing/metadata.ts';

export const INGEST_JOB = 'ingest';

export interface AssetRecord {
  id: string;
  size: number;
  sha256: string | null;
  status: (typeof assets.$inferSelect)['status'];
  /** Dropped through an upload link: the kinds that link takes (null otherwise). */
  dropKinds: 'any' | 'images' | 'videos' | null;
}

/** Which object an ingest checked: its bare ETag and, in a versioned bucket, its version id. */
export interface ObjectVersion {
  etag: string;
  versionId: string | null;
}

export interface JobLease {
  id: string;
  /** This attempt's number; the fence for finishing the job. */
  attempt: number;
}

export type Claim =
  | { state: 'claimed'; lease: JobLease }
  /** The job already ended (succeeded or failed): nothing to do. */
  | { state: 'done'; status: string }
  /** Another worker holds a fresh lease. */
  | { state: 'busy'; startedAt: Date | null };

export interface StoredDerivative {
  kind: string;
  key: string;
  contentType: string;
  width: number;
  height: number;
  size: number;
}

export interface Outcome {
  detectedType?: string;
  metadata?: AssetMetadata;
  placeholder?: string;
  /** Why the asset is ready without the preview its kind should have (`no_preview: …`); its `status_reason`. */
  note?: string;
  /** The object the checks ran on; recorded only where the asset's status is decided by them. */
  original?: ObjectVersion;
}

const OPEN: ('pending' | 'uploaded' | 'processing')[] = ['pending', 'uploaded', 'processing'];

const ingested = (o: ObjectVersion) => ({ ingestedEtag: o.etag, ingestedVersionId: o.versionId });

export class IngestStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {}

  async findAsset(id: string): Promise<AssetRecord | undefined> {
    const [row] = await this.db
      .select({ id: assets.id, size: assets.size, sha256: assets.sha256, status: assets.status, dropKinds: shareLinks.uploadKinds })
      .from(assets)
      .leftJoin(linkUploads, eq(linkUploads.assetId, assets.id))
      .leftJoin(shareLinks, eq(shareLinks.id, linkUploads.linkId))
      .where(eq(assets.id, id));
    return row;
  }

  /** The original the last ingest checked, or null when none was recorded (ingested before ETags were kept). */
  async ingestedOriginal(id: string): Promise<ObjectVersion | null> {
    const [row] = await this.db
      .select({ etag: assets.ingestedEtag, versionId: assets.ingestedVersionId })
      .from(assets)
      .where(eq(assets.id, id));
    return row?.etag ? { etag: row.etag, versionId: row.versionId } : null;
  }

  /**
   * Blocks an asset whose stored original is no longer the one ingest checked
   * (any status but `blocked` itself): nothing unchecked is served, and later
   * events for it are ignored. True when this call blocked it.
   */
  async blockReplaced(id: string, reason: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const done = await tx
        .update(assets)
        .set({ status: 'blocked', statusReason: reason, updatedAt: this.now() })
        .where(and(eq(assets.id, id), ne(assets.status, 'blocked')))
        .returning({ id: assets.id });
      if (done.length > 0) await enqueueAssetEvent(tx, 'asset.failed', id, { status: 'blocked', reason }, this.now());
      return done.length > 0;
    });
  }

  /** The object exists now: `pending` → `uploaded` (no other status changes), with its `upload.received` event. */
  async markUploaded(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const moved = await tx
        .update(assets)
        .set({ status: 'uploaded', updatedAt: this.now() })
        .where(and(eq(assets.id, id), eq(assets.status, 'pending')))
        .returning({ size: assets.size });
      if (moved[0]) await enqueueAssetEvent(tx, 'upload.received', id, { size: moved[0].size }, this.now());
    });
  }

  /** `pending`/`uploaded` → `processing`. */
  async markProcessing(id: string): Promise<void> {
    await this.db
      .update(assets)
      .set({ status: 'processing', statusReason: null, updatedAt: this.now() })
      .where(and(eq(assets.id, id), inArray(assets.status, ['pending', 'uploaded'])));
  }

  /**
   * Claims the asset's ingest job: creates it, or takes it when it is queued
   * (released by a failed attempt) or held by a lease older than `leaseMs`.
   */
  async claimIngestJob(assetId: string, leaseMs: number): Promise<Claim> {
    const now = this.now();
    const staleBefore = new Date(now.getTime() - leaseMs);
    const [claimed] = await this.db
      .insert(jobs)
      .values({ assetId, type: INGEST_JOB, status: 'processing', attempts: 1, startedAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [jobs.assetId, jobs.type],
        set: { status: 'processing', attempts: sql`${jobs.attempts} + 1`, startedAt: now, updatedAt: now, finishedAt: null },
        setWhere: or(
          eq(jobs.status, 'queued'),
          and(eq(jobs.status, 'processing'), or(sql`${jobs.startedAt} is null`, lt(jobs.startedAt, staleBefore))),
        ),
      })
      .returning({ id: jobs.id, attempts: jobs.attempts });
    if (claimed) return { state: 'claimed', lease: { id: claimed.id, attempt: claimed.attempts } };
    const [row] = await this.db
      .select({ status: jobs.status, startedAt: jobs.startedAt })
      .from(jobs)
      .where(and(eq(jobs.assetId, assetId), eq(jobs.type, INGEST_JOB)));
    if (!row) throw new Error(`ingest job of ${assetId} vanished while claiming it`);
    return row.status === 'processing' ? { state: 'busy', startedAt: row.startedAt } : { state: 'done', status: row.status };
  }

  /** Gives the job back after a transient failure (the message will be retried). */
  async releaseJob(lease: JobLease, error: string): Promise<void> {
    await this.db
      .update(jobs)
      .set({ status: 'queued', error, updatedAt: this.now() })
      .where(and(eq(jobs.id, lease.id), eq(jobs.attempts, lease.attempt), eq(jobs.status, 'processing')));
  }

  /** Records the derivatives and makes the asset `ready`, all or nothing. */
  async finishReady(assetId: string, lease: JobLease, stored: StoredDerivative[], outcome: Outcome): Promise<void> {
    const now = this.now();
    await this.db.transaction(async (tx) => {
      if (!(await this.endJob(tx, lease, 'succeeded', null))) return;
      for (const d of stored) {
        const values = { key: d.key, contentType: d.contentType, width: d.width, height: d.height, size: d.size, status: 'ready' as const };
        await tx
          .insert(derivatives)
          .values({ assetId, kind: d.kind, ...values })
          .onConflictDoUpdate({ target: [derivatives.assetId, derivatives.kind], set: values });
      }
      await this.recordFacts(tx, assetId, outcome);
      const moved = await tx
        .update(assets)
        .set({ status: 'ready', statusReason: outcome.note ?? null, updatedAt: now })
        .where(and(eq(assets.id, assetId), inArray(assets.status, OPEN)))
        .returning({ id: assets.id });
      if (moved.length > 0) await enqueueAssetEvent(tx, 'asset.ready', assetId, { status: 'ready' }, now);
    });
  }

  /** A video went to the transcoder: the asset stays `processing` until the completion handler decides. */
  async finishHandedOff(assetId: string, lease: JobLease, outcome: Outcome): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (await this.endJob(tx, lease, 'succeeded', null)) await this.recordFacts(tx, assetId, outcome);
    });
  }

  /** Ends the asset `failed` or `blocked` with a reason; the job `failed` with the same text. */
  async finishRefused(
    assetId: string,
    lease: JobLease,
    status: 'failed' | 'blocked',
    reason: string,
    outcome: Outcome = {},
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await this.endJob(tx, lease, 'failed', reason))) return;
      const { original, ...facts } = outcome;
      await this.recordFacts(tx, assetId, facts);
      // The refused object becomes "the one checked" only where this refusal decides the status:
      // a re-run that fails on a `ready` asset must not bless the failing bytes for delivery.
      const moved = await tx
        .update(assets)
        .set({ status, statusReason: reason, updatedAt: this.now(), ...(original ? ingested(original) : {}) })
        .where(and(eq(assets.id, assetId), inArray(assets.status, OPEN)))
        .returning({ id: assets.id });
      if (moved.length > 0) await enqueueAssetEvent(tx, 'asset.failed', assetId, { status, reason }, this.now());
    });
  }

  /**
   * Detected type, metadata and placeholder are facts about the bytes, not a
   * status: recorded whatever the asset's status (a fast transcode may already
   * have made a video `ready`). So is the checked original's ETag/version
   * after checks that passed (ready, or handed to the transcoder).
   */
  private async recordFacts(tx: Pick<Database, 'update'>, assetId: string, o: Outcome): Promise<void> {
    const fields: PgUpdateSetSource<typeof assets> = {
      ...(o.detectedType ? { detectedType: o.detectedType } : {}),
      ...(o.placeholder ? { placeholder: o.placeholder } : {}),
      // Merged, so keys written by others (the transcode's `video` facts) survive a re-run.
      ...(o.metadata ? { metadata: sql`${assets.metadata} || ${JSON.stringify(o.metadata)}::jsonb` } : {}),
      // The checks passed on this object: it is the one the edge may serve.
      ...(o.original ? ingested(o.original) : {}),
    };
    if (Object.keys(fields).length > 0) await tx.update(assets).set(fields).where(eq(assets.id, assetId));
  }

  /**
   * Ends the job if this attempt still holds it; false when the lease was
   * taken over (the newer attempt decides the asset, so the caller stops).
   */
  private async endJob(
    tx: Pick<Database, 'update'>,
    lease: JobLease,
    status: 'succeeded' | 'failed',
    error: string | null,
  ): Promise<boolean> {
    const now = this.now();
    const ended = await tx
      .update(jobs)
      .set({ status, error, finishedAt: now, updatedAt: now })
      .where(and(eq(jobs.id, lease.id), eq(jobs.attempts, lease.attempt), eq(jobs.status, 'processing')))
      .returning({ id: jobs.id });
    return ended.length > 0;
  }
}
