/**
 * `GET /api/assets/:id/subtitles` (view), `PUT /api/assets/:id/subtitles/:language`
 * and `DELETE …/:language` (edit): a video's subtitle tracks.
 *
 * The file comes as a string in a JSON body (`content`), not as a presigned
 * upload: a subtitle file is at most 1 MiB of text that the edge must read
 * whole anyway (to validate and convert it before anything is stored), so a
 * presigned PUT would add a round trip, a raw-bucket object and a pipeline
 * step for no gain. Media bytes still never pass through the edge.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { SUBTITLES, subtitleFiles } from '../../shared/profiles/subtitles.ts';
import { apiRouter, bearerAuth, errorResponses, jsonBody, jsonResponse, signedIn, uuidParam } from '../api/router.ts';
import { BODY_LIMITS } from '../api/json-body.ts';
import { callerId, mediaSigner, optionalCallerId } from '../api/request-context.ts';
import { safeText } from '../api/text.ts';
import type { AppEnv } from '../env.ts';
import type { Context } from 'hono';
import { assetAccess } from '../library/caller.ts';
import { thumbnailUrl } from '../library/media-urls.ts';
import { attachSubtitle, listSubtitles, removeSubtitle, type SubtitleRow } from './subtitles.service.ts';

const tags = ['Subtitles'];

const languageParams = z.object({
  id: uuidParam,
  language: z.string().min(2).max(35).openapi({ description: 'A BCP 47 language tag (en, pt-BR, zh-Hant)', example: 'en' }),
});

const subtitleSchema = z
  .object({
    language: z.string().openapi({ description: 'The canonical BCP 47 tag' }),
    label: z.string(),
    cues: z.number().int(),
    size: z.number().int().openapi({ description: 'Bytes of the stored WebVTT' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    url: z.string().openapi({ description: 'A signed URL of the WebVTT file (for a <track> element), view only, short-lived' }),
  })
  .openapi('Subtitle');

const attachSchema = z
  .strictObject({
    label: safeText({ min: 1, max: 64, trim: true }).openapi({ description: 'What the captions menu shows', example: 'English' }),
    content: z
      .string()
      .openapi({ description: `The SRT or WebVTT file as text (UTF-8, at most ${SUBTITLES.maxBytes} bytes; SRT is converted to WebVTT)` }),
  })
  .openapi('SubtitleAttach');

async function present(c: Context<AppEnv>, assetId: string, row: SubtitleRow, now: Date) {
  const signed = await thumbnailUrl(await mediaSigner(c, now), assetId, subtitleFiles(row.language).vtt);
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString(), url: signed.url };
}

const target = (c: Context<AppEnv>, assetId: string) => {
  const { db, storage, config } = c.get('services');
  return { db: db(), storage, bucket: config.S3_BUCKET_DERIVATIVES, assetId };
};

export const subtitleRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/assets/{id}/subtitles',
      tags,
      summary: "A video's subtitle tracks (view permission)",
      description:
        'Anonymous callers see those of public videos. HLS players find them in the master playlist; each has a signed URL for a <track> element.',
      security: [...bearerAuth, {}],
      request: { params: z.object({ id: uuidParam }) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(subtitleSchema) }), 'The tracks, by language'),
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const now = new Date();
      const db = c.get('services').db();
      await assetAccess(db, id, await optionalCallerId(c), now);
      const rows = await listSubtitles(db, id);
      return c.json({ items: await Promise.all(rows.map((r) => present(c, id, r, now))) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/api/assets/{id}/subtitles/{language}',
      tags,
      summary: 'Attach (or replace) the subtitles of one language (edit permission)',
      description:
        'The file is checked strictly (UTF-8, cue timings, at most 5000 cues, WebVTT cue tags only: other markup refuses the file) and stored as WebVTT. A refusal is 400 validation_failed with details.reason (not_utf8, control_character, empty, bad_cue, bad_timing, too_many_cues, cue_too_long, markup) and details.line; a file over 1 MiB is 413.',
      ...signedIn,
      request: { params: languageParams, body: jsonBody(attachSchema, { maxBytes: BODY_LIMITS.subtitles }) },
      responses: {
        200: jsonResponse(subtitleSchema, 'The stored track'),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const { id, language } = c.req.valid('param');
      const body = c.req.valid('json');
      const userId = callerId(c);
      const now = new Date();
      await assetAccess(c.get('services').db(), id, userId, now, { need: 'edit', for: 'Attaching subtitles' });
      const row = await attachSubtitle(target(c, id), { language, label: body.label, content: body.content, userId, now });
      return c.json(await present(c, id, row, now), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/assets/{id}/subtitles/{language}',
      tags,
      summary: 'Remove the subtitles of one language (edit permission)',
      ...signedIn,
      request: { params: languageParams },
      responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id, language } = c.req.valid('param');
      const now = new Date();
      await assetAccess(c.get('services').db(), id, callerId(c), now, { need: 'edit', for: 'Removing subtitles' });
      await removeSubtitle(target(c, id), language);
      return c.body(null, 204);
    },
  );
