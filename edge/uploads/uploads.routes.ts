/**
 * `POST /api/uploads` {filename, size, contentType, sha256?, collectionId?, dedup?}
 * → 201 `{ assetId, method: "PUT", url, headers, expiresAt }`: a presigned PUT
 * valid 5 minutes, bound to the asset's key, the declared length and type, and
 * the SHA-256 when one is declared. Over 100 MiB: 413 with `details.useMultipart`
 * (the client switches to /s3/multipart). With `dedup: true` and a `sha256`
 * matching a ready asset the caller owns: 200 `{ assetId, status: "ready",
 * deduplicated: true }` and nothing new is created.
 */
import { Hono } from 'hono';
import { currentUser, requireUser } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';
import { readJson } from '../api/json-body.ts';
import { createUploadBody } from './schemas.ts';
import { checkCollection, startPutUpload } from './start-upload.ts';
import { addToCollection, findReadyDuplicate } from './upload-store.ts';

export const uploads = new Hono<AppEnv>().post('/api/uploads', requireUser(), async (c) => {
  const user = currentUser(c);
  const body = await readJson(c, createUploadBody);
  c.header('Cache-Control', 'private, no-store');
  if (body.dedup && body.sha256) {
    const db = c.get('services').db();
    const existing = await findReadyDuplicate(db, user.id, body.sha256);
    if (existing) {
      await checkCollection(c, user.id, body.collectionId);
      if (body.collectionId) await addToCollection(db, body.collectionId, existing, user.id);
      return c.json({ assetId: existing, status: 'ready' as const, deduplicated: true }, 200);
    }
  }
  return c.json(await startPutUpload(c, user.id, body), 201);
});
