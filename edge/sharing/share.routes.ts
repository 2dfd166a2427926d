/**
 * Share links, the holder's side (no account needed):
 * - `GET /api/share/:token` → the link (resource type, permission, expiry,
 *   downloads left, password or not) and, once past the password gate, the
 *   shared asset or a page of the collection's items, with media URLs under
 *   `/s/<token>/…`. Counts one view per call and audits it (`share.open`).
 * - `POST /api/share/:token/unlock` {password} → checks the password with the
 *   slow hash, limited per client and per link (429 + Retry-After); on success
 *   sets `__Host-share-<linkId>` (HttpOnly, Secure, SameSite=Lax, Path=/,
 *   Max-Age = the unlock token's life) and answers `{ unlockToken, expiresAt }`
 *   for clients without cookies (`X-Share-Unlock` header or `?u=`).
 * Expired or revoked links: 410; a bad token: 401; a locked link: 401
 * `password_required` with `details.needsPassword`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { setCookie } from 'hono/cookie';
import { passwordVersion, signShareUnlockToken, SHARE_UNLOCK_TTL_SECONDS } from '../../shared/tokens/index.ts';
import { apiRouter, errorResponses, jsonBody, jsonResponse } from '../api/router.ts';
import { verifyPassword } from '../auth/password.ts';
import { AppError, retryLater } from '../errors.ts';
import { clientKey } from '../middleware/client-address.ts';
import { openLink, requireLinkUnlocked } from '../access/link-gate.ts';
import { shareInfoSchema, shareUnlockSchema } from './schemas.ts';
import { assetForLink, collectionForLink, decodeItemCursor } from './share-content.ts';
import { countView } from './share-links.service.ts';
import { reserveUnlockAttempt, unlockSucceeded } from './unlock-attempts.ts';
import { writeAudit } from '../audit/write-audit.ts';
import { dropInfo } from '../drops/drop-info.ts';
import { requestMeta } from '../api/request-context.ts';

const tokenParam = z.object({
  token: z
    .string()
    .min(1)
    .max(4096)
    .openapi({ param: { name: 'token', in: 'path' } }),
});

const pageQuery = z.object({
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(50)
    .openapi({ param: { name: 'limit', in: 'query' } }),
});

const unlockBody = z.strictObject({ password: z.string().min(1).max(1024) }).openapi('UnlockShareLink');

const tags = ['Share links'];

export const shareRoutes = apiRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/share/{token}',
      tags,
      summary: 'What a share link opens (no account needed)',
      request: { params: tokenParam, query: pageQuery },
      responses: { 200: jsonResponse(shareInfoSchema, 'The link and its resource'), ...errorResponses(400, 401, 410) },
    }),
    async (c) => {
      const { token } = c.req.valid('param');
      const { cursor, limit } = c.req.valid('query');
      const db = c.get('services').db();
      const now = new Date();
      c.header('Referrer-Policy', 'no-referrer');
      const { link } = await openLink(c, token, now);
      await requireLinkUnlocked(c, link);
      const page = { cursor: cursor === undefined ? null : decodeItemCursor(cursor), limit };
      const upload = await dropInfo(db, link, token, now);
      // A drop-only link opens nothing but the upload form (edge/drops/drop-info.ts).
      const content = link.dropOnly
        ? {}
        : link.resourceType === 'asset'
          ? { asset: await assetForLink(db, link, token, now) }
          : { collection: await collectionForLink(db, link, token, page, now) };
      // HEAD is served by this GET handler too; only a real open counts.
      if (c.req.method === 'GET') await countView(db, link, now);
      if (c.req.method === 'GET')
        await writeAudit(db, requestMeta(c), {
          action: 'share.open',
          actorId: null,
          resource: { type: link.resourceType, id: link.resourceId },
          detail: { linkId: link.id },
        });
      const info = {
        link: {
          resourceType: link.resourceType,
          permission: link.permission,
          expiresAt: link.expiresAt.toISOString(),
          allowDownload: link.allowDownload,
          downloadsLeft: link.maxDownloads === null ? null : Math.max(0, link.maxDownloads - link.downloadCount),
          needsPassword: link.passwordHash !== null,
          ...(upload ? { upload } : {}),
        },
        ...content,
      };
      return c.json(info, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/share/{token}/unlock',
      tags,
      summary: 'Unlock a password-protected share link',
      request: { params: tokenParam, body: jsonBody(unlockBody) },
      responses: {
        200: jsonResponse(shareUnlockSchema, 'Unlocked; the cookie is set'),
        ...errorResponses(400, 401, 409, 410, 413, 415, 429),
      },
    }),
    async (c) => {
      const { token } = c.req.valid('param');
      const { password } = c.req.valid('json');
      const { db, keys, tokenParty } = c.get('services');
      const now = new Date();
      const { link } = await openLink(c, token, now);
      if (link.passwordHash === null) throw new AppError('conflict', 'This share link has no password.');
      const gate = await reserveUnlockAttempt(db(), link.id, clientKey(c));
      if (!gate.allowed) {
        throw retryLater('rate_limited', 'Too many attempts. Try again later.', gate.retryAfter);
      }
      const resource = { type: link.resourceType, id: link.resourceId };
      const { ok } = await verifyPassword(password, link.passwordHash);
      if (!ok) {
        await writeAudit(db(), requestMeta(c), { action: 'share.unlock_failed', actorId: null, resource, detail: { linkId: link.id } });
        throw new AppError('unauthorized', 'The password is not right.');
      }
      await unlockSucceeded(db(), gate.keys);
      // The unlock never outlives the link itself.
      const ttl = Math.min(SHARE_UNLOCK_TTL_SECONDS, Math.floor((link.expiresAt.getTime() - now.getTime()) / 1000));
      if (ttl < 1) throw new AppError('gone', 'This share link has expired or was revoked.');
      const unlock = await signShareUnlockToken(await keys(), {
        ...tokenParty,
        linkId: link.id,
        passwordVersion: await passwordVersion(link.passwordHash),
        ttlSeconds: ttl,
        now,
      });
      // hono adds the `__Host-` prefix: `__Host-share-<linkId>`, the name edge/access/share-unlock.ts reads.
      setCookie(c, `share-${link.id}`, unlock.token, {
        prefix: 'host',
        httpOnly: true,
        secure: true,
        sameSite: 'Lax',
        path: '/',
        maxAge: ttl,
      });
      await writeAudit(db(), requestMeta(c), { action: 'share.unlock', actorId: null, resource, detail: { linkId: link.id } });
      return c.json({ unlockToken: unlock.token, expiresAt: unlock.expiresAt.toISOString() }, 200);
    },
  );
