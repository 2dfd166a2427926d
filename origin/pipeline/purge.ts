/**
 * The purge: the only code that deletes bytes (DESIGN.md, Access model). It
 * takes soft-deleted assets whose retention has run out (`deleted_at` set and
 * `purge_after <= now`), nothing else, and for each:
 * 1. locks the asset row (a restore racing the purge waits, then finds it gone;
 *    a restore that wins makes the row ineligible and nothing is deleted);
 * 2. deletes every version and delete marker of `{assetId}/original` in raw
 *    and of everything under `{assetId}/` in derivatives;
 * 3. deletes the row (derivatives, jobs, uploads, tags and collection items
 *    cascade) and the asset's grants and share links, and writes an
 *    `asset.purge` audit_log row, in the same transaction.
 * A crash between 2 and 3 rolls the transaction back and leaves the asset
 * eligible; the next run deletes what is left. One asset failing does not
 * stop the others.
 */
import { and, asc, eq, isNotNull, lte } from 'drizzle-orm';
import { assets, auditLog, grants, shareLinks } from '../../shared/db/schema.ts';
import { isAssetId, originalKey } from '../../shared/storage/keys.ts';
import type { ListedVersion, OriginStorage } from '../core/storage.ts';
import type { PipelineDeps } from '../core/deps.ts';
import { describeError } from '../core/errors.ts';

export interface PurgeOptions {
  /** Assets per run. @default 100 */
  batchSize?: number;
}

export interface PurgedAsset {
  assetId: string;
  rawVersions: number;
  derivativeVersions: number;
}

export interface PurgeResult {
  purged: PurgedAsset[];
  failed: { assetId: string; error: string }[];
}

export const PURGE_ACTION = 'asset.purge';

const due = (assetId: string | undefined, now: Date) =>
  and(...(assetId ? [eq(assets.id, assetId)] : []), isNotNull(assets.deletedAt), isNotNull(assets.purgeAfter), lte(assets.purgeAfter, now));

/** Deletes every version of the keys under `prefix` that `keep` accepts (DeleteObjects, 1000 a request); returns how many. */
async function deleteVersions(
  storage: OriginStorage,
  bucket: string,
  prefix: string,
  keep: (v: ListedVersion) => boolean,
): Promise<number> {
  const versions: ListedVersion[] = [];
  for await (const v of storage.listVersions(bucket, prefix)) if (keep(v)) versions.push(v);
  await storage.deleteObjects(bucket, versions);
  return versions.length;
}

export async function purgeExpiredAssets(deps: PipelineDeps, opts: PurgeOptions = {}): Promise<PurgeResult> {
  const now = deps.now();
  const candidates = await deps.db
    .select({ id: assets.id })
    .from(assets)
    .where(due(undefined, now))
    .orderBy(asc(assets.purgeAfter))
    .limit(opts.batchSize ?? 100);
  const result: PurgeResult = { purged: [], failed: [] };
  for (const { id } of candidates) {
    try {
      const purged = await purgeAsset(deps, id, now);
      if (purged) result.purged.push(purged);
    } catch (err) {
      deps.log.error('purge of one asset failed; it stays eligible', { assetId: id, error: describeError(err) });
      result.failed.push({ assetId: id, error: describeError(err) });
    }
  }
  return result;
}

async function purgeAsset(deps: PipelineDeps, assetId: string, now: Date): Promise<PurgedAsset | null> {
  // Never build a prefix from anything but a well-formed id: an empty or odd prefix would reach other assets.
  if (!isAssetId(assetId)) throw new TypeError(`refusing to purge a malformed asset id ${JSON.stringify(assetId)}`);
  return deps.db.transaction(async (tx) => {
    const [asset] = await tx.select().from(assets).where(due(assetId, now)).for('update');
    if (!asset) return null;
    const original = originalKey(assetId);
    const rawVersions = await deleteVersions(deps.storage, deps.buckets.raw, original, (v) => v.key === original);
    const derivativeVersions = await deleteVersions(deps.storage, deps.buckets.derivatives, `${assetId}/`, (v) =>
      v.key.startsWith(`${assetId}/`),
    );
    await tx.delete(grants).where(and(eq(grants.resourceType, 'asset'), eq(grants.resourceId, assetId)));
    await tx.delete(shareLinks).where(and(eq(shareLinks.resourceType, 'asset'), eq(shareLinks.resourceId, assetId)));
    await tx.delete(assets).where(eq(assets.id, assetId));
    await tx.insert(auditLog).values({
      at: now,
      action: PURGE_ACTION,
      resourceType: 'asset',
      resourceId: assetId,
      detail: {
        ownerId: asset.ownerId,
        filename: asset.filename,
        deletedAt: asset.deletedAt?.toISOString() ?? null,
        purgeAfter: asset.purgeAfter?.toISOString() ?? null,
        rawVersions,
        derivativeVersions,
      },
    });
    deps.log.info('asset purged', { assetId, rawVersions, derivativeVersions });
    return { assetId, rawVersions, derivativeVersions };
  });
}
