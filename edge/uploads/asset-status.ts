/**
 * The upload and processing state of one asset, for whoever may view it
 * (shared/policy/access.ts): `pending → uploaded → processing → ready`, or
 * `failed` / `blocked` with the reason. Derivatives are listed one per stored
 * file, except HLS segments and rendition playlists (the master playlist
 * stands for them). The upload itself (method, expiry) is shown to the owner only.
 */
import { and, asc, desc, eq, not, or, like } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Database } from '../../shared/db/database.ts';
import { assets, derivatives, uploads } from '../../shared/db/schema.ts';
import { requireAssetPermission } from '../access/gate.ts';
import { optionalUser } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';

export interface AssetStatus {
  assetId: string;
  status: 'pending' | 'uploaded' | 'processing' | 'ready' | 'failed' | 'blocked';
  reason?: string;
  derivatives?: { variant: string; contentType: string; width: number | null; height: number | null; size: number | null; status: string; url: string }[];
  upload?: { method: 'PUT' | 'multipart'; status: string; partSize?: number; expiresAt: string; completedAt?: string };
}

async function details(db: Database, assetId: string) {
  const [[reason], files, [upload]] = await Promise.all([
    db.select({ text: assets.statusReason }).from(assets).where(eq(assets.id, assetId)),
    db
      .select({
        kind: derivatives.kind,
        contentType: derivatives.contentType,
        width: derivatives.width,
        height: derivatives.height,
        size: derivatives.size,
        status: derivatives.status,
      })
      .from(derivatives)
      .where(and(eq(derivatives.assetId, assetId), or(not(like(derivatives.kind, 'hls/%')), eq(derivatives.kind, 'hls/master.m3u8'))))
      .orderBy(asc(derivatives.kind)),
    db.select().from(uploads).where(eq(uploads.assetId, assetId)).orderBy(desc(uploads.createdAt)).limit(1),
  ]);
  return { reason: reason?.text ?? null, files, upload };
}

/** The status of `assetId` as the caller may see it. @throws 404 when the caller may not view it. */
export async function assetStatus(c: Context<AppEnv>, assetId: string): Promise<AssetStatus> {
  const db = c.get('services').db();
  const user = await optionalUser(c);
  const now = new Date();
  const { asset } = await requireAssetPermission(db, assetId, { userId: user?.id ?? null }, 'view', now);
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
  if (upload && user?.id === asset.ownerId) {
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
