/**
 * `GET /s3/params?filename=&type=&metadata[size]=…` — the single-request
 * upload of `@uppy/aws-s3` (files up to 100 MiB by its default). Uppy 6 posts
 * the file as a form with the `fields` it gets here (an S3 POST policy), so the
 * answer is `{ method: "POST", url, fields, headers, assetId, expiresAt }`; the
 * policy pins the key, the type and the exact length and lasts 5 minutes.
 * Same rules as `POST /api/uploads` (Bearer token, validation, threshold).
 * Not under /api, so plain Hono; the query is checked by the one validation
 * path (edge/api/validation.ts).
 */
import { Hono } from 'hono';
import { z } from '@hono/zod-openapi';
import { currentUser, requireUser } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';
import { parseOrThrow } from '../api/validation.ts';
import { contentType, filename, uploadMetadata } from './schemas.ts';
import { startPostUpload } from './start-upload.ts';
import { uploadDeps } from './upload-deps.ts';

const paramsQuery = z.looseObject({ filename, type: contentType, metadata: uploadMetadata });

export const s3Params = new Hono<AppEnv>().get('/s3/params', requireUser(), async (c) => {
  const query = c.req.query();
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) {
    const m = /^metadata\[([^\]]+)\]$/.exec(k);
    if (m) metadata[m[1]!] = v;
  }
  const data = parseOrThrow(paramsQuery, { ...query, metadata }, 'The upload parameters are invalid.');
  const started = await startPostUpload(uploadDeps(c), currentUser(c).id, {
    filename: data.filename,
    contentType: data.type,
    size: data.metadata.size,
    sha256: data.metadata.sha256,
    collectionId: data.metadata.collectionId,
  });
  return c.json(started, 200);
});
