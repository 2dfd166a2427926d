/**
 * The one JSON body reader of the API. Every route that takes a body reads
 * it here: the OpenAPI routes through ./router.ts, the plain Hono routes
 * (auth, `POST /api/uploads`, `/s3/multipart`) through {@link readJson}.
 *
 * In order: a body must be sent (else 400) as `application/json` (else
 * 415); at most the route's limit (else 413: a larger Content-Length is
 * refused before reading, a chunked body is cut off at the limit and the
 * rest never read); UTF-8 (decoded with `fatal`, so invalid bytes are a 400
 * rather than a stored U+FFFD); JSON (else 400 `bad_request`); at most
 * {@link MAX_JSON_DEPTH} levels deep; no string or key holding NUL or an
 * unpaired surrogate (400 `validation_failed` naming the field: `JSON.parse`
 * turns `\u0000` and `\uD800` escapes into them); then the route's schema.
 * A body the runtime cannot deliver (malformed chunked framing, a client
 * gone mid-body) is a 400 too, logged at info.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { unsafeString } from './text.ts';
import { parseOrThrow, validationFailed } from './validation.ts';

const KiB = 1024;

/** Body limits, one per route class. */
export const BODY_LIMITS = {
  /** Auth and upload starts: a few short fields, often sent before any credential is checked. */
  small: 16 * KiB,
  /** The OpenAPI library and sharing routes: a reorder names up to 1000 ids; a 5000-character description may be escaped. */
  api: 64 * KiB,
  /** Completing a multipart upload lists up to 10,000 parts. */
  parts: 1024 * KiB,
  /** Attaching subtitles: a file of up to 1 MiB (SUBTITLES.maxBytes) inside JSON, where escaping (quotes, newlines, non-ASCII) may grow it. */
  subtitles: 3 * 1024 * KiB,
} as const;

/** Deeper than any body this API takes; bounds the work on hostile nesting. */
export const MAX_JSON_DEPTH = 32;

export interface BodyOptions {
  /** The route's limit (default {@link BODY_LIMITS.small}). */
  maxBytes?: number;
}

const tooLarge = (max: number) => new AppError('payload_too_large', `The request body must be at most ${max} bytes.`);
/**
 * The runtime could not deliver the body: malformed framing (a bad chunk
 * size) or a client that went away mid-body. Either way it is the client's
 * doing (a 400 it may never read), logged at info, not as a server error.
 */
const unreadable = (cause: unknown) =>
  new AppError('bad_request', 'The request body could not be read: malformed framing, or the connection ended early.', {
    cause,
    logAs: 'info',
  });
const badJson = (why: string) => new AppError('bad_request', `The request body is not valid JSON: ${why}.`);

/** `application/json`, with parameters or not, in any case. */
export const isJsonContentType = (type: string | undefined): boolean =>
  (type ?? '').split(';', 1)[0]!.trim().toLowerCase() === 'application/json';

async function readCapped(req: Request, max: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > max) throw tooLarge(max);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let read: ReadableStreamReadResult<Uint8Array>;
    try {
      read = await reader.read();
    } catch (err) {
      throw unreadable(err);
    }
    const { done, value } = read;
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** Walks the parsed value without recursion: depth, and every string and key. */
function checkStrings(root: unknown): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = unsafeString(value);
      if (problem)
        throw validationFailed([{ field: path || '(body)', code: problem.code, message: problem.message }], 'The request body is invalid.');
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) throw badJson(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    for (const [key, child] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (unsafeString(key))
        throw validationFailed(
          [{ field: path || '(body)', code: 'invalid_key', message: 'A key holds NUL or an unpaired surrogate.' }],
          'The request body is invalid.',
        );
      stack.push({ value: child, path: at, depth: depth + 1 });
    }
  }
}

/** The parsed body, checked as described above but not against a schema. @throws AppError 400/413/415. */
export async function readJsonBody(c: Context<AppEnv>, options: BodyOptions = {}): Promise<unknown> {
  const max = options.maxBytes ?? BODY_LIMITS.small;
  const type = c.req.header('content-type');
  // Nothing sent at all is a missing body (400), not a body of the wrong type.
  if (type === undefined && (c.req.raw.body === null || c.req.header('content-length') === '0')) {
    throw new AppError('bad_request', 'A JSON request body is required.');
  }
  if (!isJsonContentType(type)) {
    throw new AppError('unsupported_media_type', 'The request body must be application/json.');
  }
  const bytes = await readCapped(c.req.raw, max);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError('bad_request', 'The request body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badJson(text.trim() === '' ? 'the body is empty' : 'malformed');
  }
  checkStrings(value);
  return value;
}

/** The body validated by `schema`. @throws AppError 400 `validation_failed` naming the bad fields, or as {@link readJsonBody}. */
export async function readJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S, options: BodyOptions = {}): Promise<z.output<S>> {
  return parseOrThrow(schema, await readJsonBody(c, options), 'The request body is invalid.');
}
