/**
 * The upload and processing state of one asset, for whoever may view it
 * (shared/policy/access.ts): `pending → uploaded → processing → ready`, or
 * `failed` / `blocked` with the reason. Derivatives are listed one per stored
 * file, except HLS segments and rendition playlists (the master playlist
 * stands for them). The upload itself (method, expiry) is shown to the owner only.
 */
import { desc, eq } from 'drizzle-orm';
import type { Database } from '../../shared/db/database.ts';
import { assets, uploads } from '../../shared/db/schema.ts';
import { requireAssetPermission } from '../access/gate.ts';
import { derivativeFiles } from '../library/derivative-files.ts';
import type { AssetStatus } from './schemas.ts';

async function details(db: Database, assetId: string) {
  const [[reason], files, [upload]] = await Promise.all([
    db.select({ text: assets.statusReason }).from(assets).where(eq(assets.id, assetId)),
    derivativeFiles(db, [assetId], { listed: true }),
    db.select().from(uploads).where(eq(uploads.assetId, assetId)).orderBy(desc(uploads.createdAt)).limit(1),
  ]);
  return { reason: reason?.text ?? null, files: files.get(assetId) ?? [], upload };
}

/** The status of `assetId` as `userId` (null: anonymous) may see it. @throws 404 when the caller may not view it. */
export async function assetStatus(db: Database, assetId: string, userId: string | null, now: Date): Promise<AssetStatus> {
  const { asset } = await requireAssetPermission(db, assetId, { userId }, 'view', now);
  const { reason, files, upload } = await details(db, assetId);

  // loadAsset types the status loosely; the column is the asset_status enum.
  const out: AssetStatus = { assetId, status: asset.status as AssetStatus['status'] };
  if ((asset.status === 'failed' || asset.status === 'blocked') && reason) out.reason = reason;
  if (files.length) {
    out.derivatives = files.map((f) => ({
      variant: f.kind,
      contentType: f.contentType,
      width: f.width,
      height: f.height,
      size: f.size,
      status: f.status,
      url: `/m/${assetId}/${f.kind}`,
    }));
  }
  if (upload && userId === asset.ownerId) {
    // A single PUT/POST is never confirmed to the edge: the object's arrival (asset no longer pending) completes it.
    const status = upload.status === 'active' && upload.s3UploadId === null && asset.status !== 'pending' ? 'completed' : upload.status;
    out.upload = {
      method: upload.s3UploadId === null ? 'PUT' : 'multipart',
      status,
      ...(upload.partSize !== null ? { partSize: upload.partSize } : {}),
      expiresAt: upload.expiresAt.toISOString(),
      ...(upload.completedAt ? { completedAt: upload.completedAt.toISOString() } : {}),
    };
  }
  return out;
}
