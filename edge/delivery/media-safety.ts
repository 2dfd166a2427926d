/**
 * The last word on every `/m/*` and `/s/*` answer, whoever produced it (the
 * delivery code, an access check's error, the error handler): whatever is
 * not media a browser renders natively goes out as an attachment in a
 * sandbox, never sniffed. serve-object.ts already decides this precisely for
 * stored bytes (an original by its sniffed type); this catches the rest —
 * JSON errors above all — so no answer on these paths renders as a page.
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { contentDisposition, isInlineType, normaliseType, SANDBOX_CSP } from './content-policy.ts';

/** Statuses that never carry a body. */
const BODILESS = new Set([204, 304]);

export const mediaSafety = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('x-content-type-options', 'nosniff');
    if (BODILESS.has(c.res.status) || h.has('content-disposition')) return;
    if (isInlineType('derivative', normaliseType(h.get('content-type')))) return;
    h.set('content-disposition', contentDisposition('attachment', c.res.status >= 400 ? 'error.json' : 'download'));
    h.set('content-security-policy', SANDBOX_CSP);
  });
