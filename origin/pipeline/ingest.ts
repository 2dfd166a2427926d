/**
 * Ingest of one new original (one S3 "Object Created" event): find the asset,
 * claim its ingest job, read the object once (size, SHA-256, sniffed type),
 * scan it when a scanner is configured, then make its derivatives by type —
 * images with sharp, PDFs with pdftoppm, video handed to the transcoder,
 * anything else a type icon — and finish the asset `ready`, `failed`,
 * `blocked` or, for video, leave it `processing` for the completion handler.
 *
 * An event for an asset whose ingest already ended is a no-op only while the
 * stored original is the one that ingest checked (ingest-original.ts);
 * otherwise the asset is blocked.
 *
 * Errors: an OriginError that is `permanent` (bad bytes, a mismatch, a bomb)
 * ends the asset and the job here and the message is acknowledged; anything
 * else (S3, the database, a busy lease) is thrown so SQS delivers the message
 * again, and on its last delivery the asset is failed with the error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assetIdFromOriginalKey } from '../../shared/storage/keys.ts';
import { OriginError, isPermanent, describeError } from '../core/errors.ts';
import type { PipelineDeps } from '../core/deps.ts';
import { deriveByKind, needsLocalFile, uploadRenditions } from './derive.ts';
import { fetchOriginal, type FetchedOriginal } from './fetch-original.ts';
import { REPLACED_REASON, replacedSinceIngest } from './ingest-original.ts';
import { IngestStore, type JobLease, type Outcome } from './ingest-store.ts';
import { handOffVideo } from './video-handoff.ts';

/** A job `processing` for longer than this is taken to be abandoned (its worker died) and is taken over. */
export const INGEST_LEASE_MS = 15 * 60 * 1000;

export interface IngestInput {
  bucket: string;
  key: string;
  /** Size from the event; checked before anything is read. */
  size?: number;
  etag?: string;
  /** `version-id` of the event (a versioned bucket). */
  versionId?: string;
  /** True on the message's last delivery before the dead-letter queue. */
  lastDelivery?: boolean;
}

export type IngestResult =
  | { outcome: 'ignored'; why: string }
  | { outcome: 'duplicate'; jobStatus: string }
  | { outcome: 'ready' | 'processing'; assetId: string }
  | { outcome: 'failed' | 'blocked'; assetId: string; code: string };

export async function ingestObject(deps: PipelineDeps, input: IngestInput): Promise<IngestResult> {
  const log = deps.log;
  const assetId = assetIdFromOriginalKey(input.key);
  if (input.bucket !== deps.buckets.raw || !assetId) {
    log.warn('ingest: not an original, ignored', { bucket: input.bucket, key: input.key });
    return { outcome: 'ignored', why: 'not an original' };
  }
  const store = new IngestStore(deps.db, deps.now);
  const asset = await store.findAsset(assetId);
  if (!asset) {
    log.warn('ingest: no asset for this object, ignored', { key: input.key });
    return { outcome: 'ignored', why: 'unknown asset' };
  }
  if (asset.status === 'blocked') {
    // Quarantined bytes are never processed again, whatever the job row says.
    log.warn('ingest: asset is blocked, ignored', { assetId });
    return { outcome: 'ignored', why: 'blocked' };
  }
  await store.markUploaded(assetId);
  const claim = await store.claimIngestJob(assetId, INGEST_LEASE_MS);
  if (claim.state === 'done') {
    // Read after the claim: an ingest that ended since findAsset has recorded what it checked by now.
    const checked = await store.ingestedOriginal(assetId);
    const stored = await replacedSinceIngest(deps, input.key, checked, input);
    if (stored) {
      await store.blockReplaced(assetId, REPLACED_REASON);
      log.warn('ingest: the original changed after ingest; asset blocked', {
        assetId,
        checked,
        stored,
        event: { etag: input.etag, versionId: input.versionId },
      });
      return { outcome: 'blocked', assetId, code: 'original_replaced' };
    }
    log.info('ingest: already done', { assetId, jobStatus: claim.status });
    return { outcome: 'duplicate', jobStatus: claim.status };
  }
  if (claim.state === 'busy') {
    throw new OriginError('busy', `ingest of ${assetId} is held by another worker since ${claim.startedAt?.toISOString()}`);
  }
  const lease = claim.lease;
  const known: Outcome = {};
  try {
    await store.markProcessing(assetId);
    const result = await run(deps, store, { ...asset, key: input.key, eventSize: input.size }, lease, known);
    log.info('ingest: done', {
      assetId,
      etag: input.etag,
      outcome: result.outcome,
      attempt: lease.attempt,
      detectedType: known.detectedType,
    });
    return result;
  } catch (err) {
    if (isPermanent(err)) {
      const status = err.code === 'infected' ? 'blocked' : 'failed';
      await store.finishRefused(assetId, lease, status, describeError(err), known);
      log.warn('ingest: refused', { assetId, status, code: err.code, reason: err.message });
      return { outcome: status, assetId, code: err.code };
    }
    const message = err instanceof Error ? err.message : String(err);
    // Best effort: when the database is what failed, the sweeper finds the job by its stale lease.
    const settle = input.lastDelivery
      ? store.finishRefused(assetId, lease, 'failed', `retries_exhausted: ${message}`, known)
      : store.releaseJob(lease, message);
    await settle.catch((e: unknown) => log.error('ingest: could not record the failure', { assetId, error: String(e) }));
    throw err;
  }
}

interface Target {
  id: string;
  key: string;
  size: number;
  sha256: string | null;
  eventSize: number | undefined;
  /** Dropped through an upload link: the kinds that link takes. */
  dropKinds: 'any' | 'images' | 'videos' | null;
}

async function run(deps: PipelineDeps, store: IngestStore, asset: Target, lease: JobLease, known: Outcome): Promise<IngestResult> {
  if (asset.eventSize !== undefined && asset.eventSize !== asset.size) {
    throw new OriginError('size_mismatch', `object is ${asset.eventSize} bytes, upload recorded ${asset.size}`);
  }
  const dir = await mkdtemp(path.join(deps.tmpDir ?? os.tmpdir(), INGEST_TEMP_PREFIX));
  try {
    const original = await fetchOriginal(deps.storage, deps.buckets.raw, asset.key, {
      dir,
      hash: asset.sha256 !== null,
      spool: (s) => Boolean(deps.scanner) || needsLocalFile(s, asset.size),
    });
    if (!original) throw new OriginError('missing', `${deps.buckets.raw}/${asset.key} does not exist`);
    known.original = { etag: original.etag, versionId: original.versionId };
    known.detectedType = original.sniffed.mime;
    verify(asset, original);
    requireDropKind(asset.dropKinds, original.sniffed.kind, original.sniffed.mime);
    if (deps.scanner && original.file) {
      const verdict = await deps.scanner.scanFile(original.file);
      if (!verdict.clean) throw new OriginError('infected', `malware found: ${verdict.signature}`);
    }
    if (original.sniffed.kind === 'video') {
      const handoff = await handOffVideo(deps, asset.id, asset.key);
      deps.log.info('ingest: video handed to the transcoder', { assetId: asset.id, ...handoff });
      await store.finishHandedOff(asset.id, lease, known);
      return { outcome: 'processing', assetId: asset.id };
    }
    const renditions = await deriveByKind(original, known, deps.log);
    const stored = await uploadRenditions(deps, asset.id, renditions);
    await store.finishReady(asset.id, lease, stored, known);
    return { outcome: 'ready', assetId: asset.id };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Each ingest's temp folder starts with this (local/stale-temp.ts removes a dead one's). */
export const INGEST_TEMP_PREFIX = 'ingest-';

function verify(asset: Target, got: FetchedOriginal): void {
  if (got.size !== asset.size) throw new OriginError('size_mismatch', `object is ${got.size} bytes, upload recorded ${asset.size}`);
  if (got.size === 0) throw new OriginError('empty', 'the object has no bytes');
  const want = asset.sha256 ? normaliseSha256(asset.sha256) : undefined;
  if (want && got.sha256 !== want) {
    throw new OriginError('checksum_mismatch', `object SHA-256 ${got.sha256} differs from the recorded ${want}`);
  }
}

/**
 * A file dropped through an upload link that takes only images or only
 * videos must be one by its bytes, not only by the type it declared (the
 * edge checked that): anything else is refused as `unsupported`.
 */
export function requireDropKind(kinds: Target['dropKinds'], kind: string, mime: string): void {
  if (kinds === 'images' && kind !== 'image')
    throw new OriginError('unsupported', `the upload link takes images only; this file is ${mime}`);
  if (kinds === 'videos' && kind !== 'video')
    throw new OriginError('unsupported', `the upload link takes videos only; this file is ${mime}`);
}

/** The recorded SHA-256 as lower-case hex; uploads may record hex or base64 (S3's `x-amz-checksum-sha256`). */
export function normaliseSha256(v: string): string {
  const s = v.trim();
  if (/^[0-9a-f]{64}$/i.test(s)) return s.toLowerCase();
  const b = Buffer.from(s, 'base64');
  return b.length === 32 ? b.toString('hex') : s;
}
