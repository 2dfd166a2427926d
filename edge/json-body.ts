/**
 * Reads and validates a JSON request body, once, for every route that takes
 * one: `Content-Type: application/json` (else 415), at most `maxBytes` (else
 * 413, checked on Content-Length and again while streaming, so a chunked body
 * cannot grow past it), UTF-8 JSON (else 400 `bad_request`), matching the zod
 * schema (else 400 `validation_failed` whose details name each bad field,
 * never echoing the submitted values).
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './env.ts';
import { AppError } from './errors.ts';

/** Default body limit: 16 KiB, plenty for any JSON this API takes. */
export const DEFAULT_MAX_JSON_BYTES = 16 * 1024;

export interface FieldIssue {
  /** Dotted path of the field (`email`, `items.0.id`), or the unknown key's name. */
  field: string;
  code: string;
  message: string;
}

const tooLarge = (max: number) => new AppError('payload_too_large', `The request body must be at most ${max} bytes.`);

async function readCapped(req: Request, max: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > max) throw tooLarge(max);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
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

/** zod issues as field names and codes; `unrecognized_keys` becomes one entry per key. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: path ? `${path}.${key}` : key, code: 'unrecognized_key', message: 'Unknown field.' }));
    }
    return [{ field: path || '(body)', code: issue.code, message: issue.message }];
  });
}

/** The validated body. @throws AppError 400/413/415 as described above. */
export async function readJson<S extends z.ZodType>(
  c: Context<AppEnv>,
  schema: S,
  options: { maxBytes?: number } = {},
): Promise<z.output<S>> {
  const max = options.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new AppError('unsupported_media_type', 'The request body must be application/json.');
  }
  const bytes = await readCapped(c.req.raw, max);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new AppError('bad_request', 'The request body is not valid JSON.');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'The request body is invalid.', { details: { fields: fieldIssues(parsed.error) } });
  }
  return parsed.data;
}
