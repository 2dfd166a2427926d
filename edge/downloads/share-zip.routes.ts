/**
 * `GET|HEAD /s/{shareToken}/download.zip` — a collection link's items as one
 * ZIP, for anyone holding the link (and its password: cookie, header or
 * `?u=`, as every `/s` path). The link gate answers first (401/410, then
 * 401 `password_required`); the link must allow downloads with some left.
 *
 * Caps: each file in the archive is one download. A new download (the
 * answer carries byte 0) takes as many as are left, up to one per file, in
 * one statement (./link-downloads.ts); files past the cap are left out and
 * named in MANIFEST.txt. A resume (a range after byte 0, whose If-Range, if
 * sent, names the same archive) continues a counted download and takes
 * none, as `/s/…/original` does. HEAD shows what a download would hold now.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { openUnlockedLink } from '../access/link-gate.ts';
import { apiRouter, errorResponses } from '../api/router.ts';
import { AppError } from '../errors.ts';
import { archiveResponse, rangeOf, startsArchive } from './archive-response.ts';
import { linkArchive } from './archive.service.ts';
import { downloadsLeft, reserveDownloads } from './link-downloads.ts';
import { archiveQuery, zipResponses } from './schemas.ts';

const params = z.object({
  shareToken: z
    .string()
    .min(1)
    .max(4096)
    .openapi({ param: { name: 'shareToken', in: 'path' } }),
});

export const shareZipRoutes = apiRouter().openapi(
  createRoute({
    method: 'get',
    path: '/s/{shareToken}/download.zip',
    tags: ['Share links'],
    summary: "A collection link's items as one ZIP (each file counts as a download)",
    request: {
      params,
      query: archiveQuery.extend({
        u: z
          .string()
          .max(4096)
          .optional()
          .openapi({ param: { name: 'u', in: 'query' } }),
      }),
    },
    responses: { ...zipResponses, ...errorResponses(400, 401, 403, 404, 410) },
  }),
  async (c) => {
    const { shareToken } = c.req.valid('param');
    const q = c.req.valid('query');
    const { db, storage, config } = c.get('services');
    const now = new Date();
    const { link } = await openUnlockedLink(c, shareToken, now);
    const o = { variant: q.variant, forceZip64: q.zip64 === 'always' };
    const method = c.req.method === 'HEAD' ? 'HEAD' : 'GET';
    // What the link reaches, before any cap: the archive a resume continues.
    let archive = await linkArchive(db(), link, { ...o, downloadsLeft: method === 'HEAD' ? downloadsLeft(link) : null }, now);
    let range = rangeOf(archive.plan, c.req.raw.headers);
    if (method === 'GET' && startsArchive(range)) {
      const wanted = archive.plan.files.length;
      const granted = await reserveDownloads(db(), link, wanted, now);
      if (granted === 0) throw new AppError('forbidden', 'This link has reached its download limit.');
      if (granted < wanted) {
        // Fewer downloads left than files: a smaller archive, sent whole.
        archive = await linkArchive(db(), { ...link, downloadCount: 0, maxDownloads: null }, { ...o, downloadsLeft: granted }, now);
        range = { kind: 'full' };
      }
    }
    return archiveResponse({
      storage,
      buckets: { raw: config.S3_BUCKET_RAW, derivatives: config.S3_BUCKET_DERIVATIVES },
      plan: archive.plan,
      method,
      range,
      filename: archive.filename,
      cacheControl: 'private, no-cache',
    }) as never;
  },
);
