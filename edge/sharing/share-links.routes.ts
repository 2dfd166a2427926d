/**
 * Share links, the managers' side: `POST /api/share-links`, `GET
 * /api/share-links?resourceType=&resourceId=`, `PATCH /api/share-links/:id`
 * and `DELETE /api/share-links/:id` (revoke). All need `manage` on the
 * link's resource (404 when the caller cannot see it, 403 when they see it
 * without `manage`).
 *
 * Expiry: `expiresInSeconds` or `expiresAt`, default and maximum from the
 * resource's org (edge/sharing/link-expiry.ts). A token embeds permission and
 * expiry, so answers carry a freshly signed token; after an edit that
 * extends the expiry, older tokens still end at their own expiry, while
 * everything else (shorter expiry, permission, password, cap, revocation)
 * applies to every token at once because /s and /api/share read the row.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { apiRouter, errorResponses, jsonBody, jsonResponse, signedIn, uuidParam } from '../api/router.ts';
import { currentUser } from '../auth/authenticate.ts';
import { hashPassword, passwordParams } from '../auth/password.ts';
import { AppError } from '../errors.ts';
import { ORG_TTL_MAX } from './orgs.service.ts';
import { chooseExpiry, linkTtlPolicy, MIN_LINK_TTL_SECONDS } from './link-expiry.ts';
import { requireLive, requireResource } from './resource-access.ts';
import { idParams, instantSchema, resourceQuery, resourceTypeSchema, shareLinkSchema } from './schemas.ts';
import { insertLink, linkView, listLinks, loadLinkRow, revokeLink, updateLink, type LinkPatch } from './share-links.service.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { uploadColumns, uploadView } from '../drops/drop-settings.ts';
import { uploadSettingsInput } from '../drops/schemas.ts';
import { requestMeta } from '../api/request-context.ts';

const linkPermission = z.enum(['view', 'download']);
const expiresInSeconds = z.number().int().min(MIN_LINK_TTL_SECONDS).max(ORG_TTL_MAX);
/** Link passwords: 8 to 256 characters (hashed with the account password hash; never stored or logged). */
const linkPassword = z.string().min(8).max(256);
const maxDownloads = z.number().int().min(1).max(1_000_000);
const oneExpiry = (b: { expiresInSeconds?: number | undefined; expiresAt?: string | undefined }) =>
  b.expiresInSeconds === undefined || b.expiresAt === undefined;
const oneExpiryIssue = { path: ['expiresAt'], message: 'Give expiresInSeconds or expiresAt, not both.' };

const createBody = z
  .strictObject({
    resourceType: resourceTypeSchema,
    resourceId: uuidParam,
    permission: linkPermission.default('view'),
    expiresInSeconds: expiresInSeconds.optional(),
    expiresAt: instantSchema.optional(),
    password: linkPassword.optional(),
    maxDownloads: maxDownloads.nullable().optional(),
    allowDownload: z.boolean().default(true),
    upload: uploadSettingsInput
      .optional()
      .openapi({ description: 'Collection links: let holders upload into the collection ("file drop").' }),
  })
  .refine(oneExpiry, oneExpiryIssue)
  .openapi('CreateShareLink');

const patchBody = z
  .strictObject({
    permission: linkPermission.optional(),
    expiresInSeconds: expiresInSeconds.optional(),
    expiresAt: instantSchema.optional().openapi({ description: 'A past instant ends the link at once.' }),
    password: linkPassword.nullable().optional().openapi({ description: 'null removes the password' }),
    maxDownloads: maxDownloads.nullable().optional().openapi({ description: 'null removes the cap' }),
    allowDownload: z.boolean().optional(),
    upload: uploadSettingsInput.nullable().optional().openapi({ description: 'Replaces the upload settings; null stops uploads' }),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'Give at least one field to change.' })
  .refine(oneExpiry, oneExpiryIssue)
  .openapi('UpdateShareLink');

const toDate = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

const tags = ['Share links'];

export const shareLinkRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/share-links',
      tags,
      ...signedIn,
      summary: 'Create a share link (manage holders)',
      request: { body: jsonBody(createBody) },
      responses: { 201: jsonResponse(shareLinkSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = currentUser(c);
      const { db, keys, tokenParty } = c.get('services');
      const ref = { type: body.resourceType, id: body.resourceId };
      const resource = await requireResource(db(), user.id, ref, 'manage');
      requireLive(resource);
      const now = new Date();
      const expiresAt = chooseExpiry(await linkTtlPolicy(db(), ref), { ...body, expiresAt: toDate(body.expiresAt) }, now, 'refuse')!;
      const row = await insertLink(db(), {
        resource: ref,
        createdBy: user.id,
        permission: body.permission,
        expiresAt,
        passwordHash: body.password === undefined ? null : await hashPassword(body.password, passwordParams(c.get('services').config)),
        allowDownload: body.allowDownload,
        maxDownloads: body.maxDownloads ?? null,
        upload: uploadColumns(ref.type, body.upload ?? null),
      });
      await writeAudit(db(), requestMeta(c), {
        action: 'share.create',
        actorId: user.id,
        resource: ref,
        detail: {
          linkId: row.id,
          permission: row.permission,
          expiresAt: row.expiresAt.toISOString(),
          hasPassword: row.passwordHash !== null,
          allowDownload: row.allowDownload,
          maxDownloads: row.maxDownloads,
          upload: uploadView(row),
        },
      });
      return c.json(await linkView(await keys(), tokenParty, row, now), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/share-links',
      tags,
      ...signedIn,
      summary: 'The share links of an asset or collection, with view and download counts (manage holders)',
      request: { query: resourceQuery },
      responses: {
        200: jsonResponse(z.object({ items: z.array(shareLinkSchema) }), 'The links, newest first'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const { db, keys, tokenParty } = c.get('services');
      const ref = { type: q.resourceType, id: q.resourceId };
      await requireResource(db(), currentUser(c).id, ref, 'manage');
      const now = new Date();
      const keySet = await keys();
      const items = await Promise.all((await listLinks(db(), ref)).map((row) => linkView(keySet, tokenParty, row, now)));
      return c.json({ items }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/share-links/{id}',
      tags,
      ...signedIn,
      summary: 'Change a share link; answers it with a fresh token (manage holders)',
      request: { params: idParams, body: jsonBody(patchBody) },
      responses: { 200: jsonResponse(shareLinkSchema, 'Updated'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const user = currentUser(c);
      const { db, keys, tokenParty } = c.get('services');
      const existing = await loadLinkRow(db(), id);
      if (!existing) throw new AppError('not_found', 'No such share link.');
      const ref = { type: existing.resourceType, id: existing.resourceId };
      await requireResource(db(), user.id, ref, 'manage');
      const revoked = () => new AppError('conflict', 'This share link was revoked; create a new one.');
      if (existing.revokedAt !== null) throw revoked();
      const now = new Date();
      const patch: LinkPatch = {
        permission: body.permission,
        allowDownload: body.allowDownload,
        maxDownloads: body.maxDownloads,
        upload: body.upload === undefined ? undefined : uploadColumns(ref.type, body.upload),
        expiresAt: chooseExpiry(await linkTtlPolicy(db(), ref), { ...body, expiresAt: toDate(body.expiresAt) }, now, 'allow'),
        passwordHash:
          body.password === undefined
            ? undefined
            : body.password === null
              ? null
              : await hashPassword(body.password, passwordParams(c.get('services').config)),
        createdBy: user.id,
      };
      const row = await updateLink(db(), id, patch);
      if (!row) throw revoked();
      await writeAudit(db(), requestMeta(c), {
        action: 'share.update',
        actorId: user.id,
        resource: ref,
        // Field names only (never the password), plus the resulting expiry and permission.
        detail: {
          linkId: id,
          fields: Object.keys(body).filter((k) => body[k as keyof typeof body] !== undefined),
          expiresAt: row.expiresAt.toISOString(),
          permission: row.permission,
        },
      });
      return c.json(await linkView(await keys(), tokenParty, row, now), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/share-links/{id}',
      tags,
      ...signedIn,
      summary: 'Revoke a share link (manage holders)',
      request: { params: idParams },
      responses: { 204: { description: 'Revoked' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const user = currentUser(c);
      const db = c.get('services').db();
      const existing = await loadLinkRow(db, id);
      if (!existing) throw new AppError('not_found', 'No such share link.');
      const ref = { type: existing.resourceType, id: existing.resourceId };
      await requireResource(db, user.id, ref, 'manage');
      if (existing.revokedAt === null) {
        await revokeLink(db, id);
        await writeAudit(db, requestMeta(c), { action: 'share.revoke', actorId: user.id, resource: ref, detail: { linkId: id } });
      }
      return c.body(null, 204);
    },
  );
