/**
 * Query strings, before any route reads them: every name and value must
 * percent-decode to UTF-8 (Hono leaves a bad sequence such as `%FF` or an
 * encoded lone surrogate in place, undecoded) and hold no NUL (`%00` decodes
 * to one, which Postgres text refuses with an error, so it would surface as
 * a 500). Refused with 400 `validation_failed` naming the parameter. What a
 * parameter may contain beyond that is its route's schema's business (search
 * text and tag filters use the safe-text schema of ./text.ts).
 */
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { unsafeString } from './text.ts';
import { validationFailed } from './validation.ts';

type Decoded = { ok: true; text: string } | { ok: false };

function decode(part: string): Decoded {
  try {
    return { ok: true, text: decodeURIComponent(part.replaceAll('+', ' ')) };
  } catch {
    return { ok: false };
  }
}

/** The first bad parameter of a raw query string (without `?`), or null. */
export function queryProblem(search: string): { field: string; code: string; message: string } | null {
  for (const pair of search.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = decode(rawName);
    const field = name.ok && !unsafeString(name.text) ? name.text.slice(0, 64) : '(query)';
    if (!name.ok) return { field, code: 'invalid_encoding', message: 'The parameter name is not valid percent-encoded UTF-8.' };
    if (unsafeString(name.text)) return { field, code: 'invalid_text', message: 'The parameter name holds NUL or invalid text.' };
    if (eq < 0) continue;
    const value = decode(pair.slice(eq + 1));
    if (!value.ok) return { field, code: 'invalid_encoding', message: 'must be valid percent-encoded UTF-8' };
    const problem = unsafeString(value.text);
    if (problem) return { field, code: problem.code, message: problem.message };
  }
  return null;
}

export const queryText = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const url = c.req.url;
    const at = url.indexOf('?');
    if (at >= 0) {
      const hash = url.indexOf('#', at);
      const problem = queryProblem(url.slice(at + 1, hash < 0 ? undefined : hash));
      if (problem) throw validationFailed([problem]);
    }
    await next();
  });
