/**
 * Starting an upload through a link: the same three starts as the app
 * (edge/uploads/start-upload.ts: presigned PUT, POST policy, multipart),
 * owned by the link's creator, filed in the link's collection and stamped
 * with the link and the uploader's name — after the link's caps are
 * reserved atomically (./drop-store.ts). The size the reservation counted is
 * the size S3 will take: it is signed into the PUT (`content-length`), the
 * POST policy (`content-length-range` [size, size]) and every part URL
 * (./drop-parts.ts). A start that fails gives its reservation back.
 */
import type { ShareLinkRecord } from '../access/share-link.ts';
import { writeAudit, type AuditContext } from '../audit/write-audit.ts';
import { AppError } from '../errors.ts';
import { startMultipartUpload, startPostUpload, startPutUpload, type UploadDeps } from '../uploads/start-upload.ts';
import { releaseDrop, reserveDrop } from './drop-store.ts';
import { requireKind } from './drop-gate.ts';

export interface DroppedFile {
  filename: string;
  size: number;
  contentType: string;
  sha256?: string | undefined;
  uploaderName: string;
  note?: string | undefined;
}

const starts = { put: startPutUpload, post: startPostUpload, multipart: startMultipartUpload };
type Starts = typeof starts;

function refused(reason: 'closed' | 'files' | 'bytes' | 'file_size', link: ShareLinkRecord): AppError {
  if (reason === 'closed') return new AppError('gone', 'This share link has expired or was revoked.');
  if (reason === 'file_size') {
    return new AppError('payload_too_large', `Files through this link may be at most ${link.maxUploadFileSize} bytes.`, {
      details: { maxFileSize: link.maxUploadFileSize },
    });
  }
  return new AppError('forbidden', reason === 'files' ? 'This link takes no more files.' : 'This link takes no more bytes.', {
    details: { limit: reason },
  });
}

export async function startDropUpload<K extends keyof Starts>(
  deps: UploadDeps,
  audit: AuditContext,
  link: ShareLinkRecord,
  how: K,
  f: DroppedFile,
): Promise<Awaited<ReturnType<Starts[K]>>> {
  requireKind(link, f.contentType);
  const reserved = await reserveDrop(deps.db, link.id, f.size);
  if (!reserved.ok) throw refused(reserved.reason, link);
  let started: Awaited<ReturnType<Starts[K]>>;
  try {
    started = (await starts[how](deps, link.createdBy, {
      filename: f.filename,
      size: f.size,
      contentType: f.contentType,
      sha256: f.sha256,
      collectionId: link.resourceId,
      drop: { linkId: link.id, uploaderName: f.uploaderName, note: f.note },
    })) as Awaited<ReturnType<Starts[K]>>;
  } catch (err) {
    await releaseDrop(deps.db, link.id, f.size);
    throw err;
  }
  await writeAudit(deps.db, audit, {
    action: 'share.drop',
    actorId: null,
    resource: { type: 'collection', id: link.resourceId },
    detail: { linkId: link.id, assetId: started.assetId, size: f.size, method: how },
  });
  return started;
}
