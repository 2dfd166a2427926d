/**
 * The one way a refused input becomes an answer: 400 `validation_failed`
 * whose `details.fields[]` name each bad field with a code and a message,
 * never the submitted value. JSON bodies (./json-body.ts), the OpenAPI
 * routers' query and path validation (./router.ts) and the query-string
 * routes outside the document (/s3/params) all end here.
 */
import type { z } from 'zod';
import { AppError } from '../errors.ts';

export interface FieldIssue {
  /** Dotted path of the field (`email`, `items.0.id`), or the unknown key's name. */
  field: string;
  code: string;
  message: string;
}

// An unknown key is echoed as its field name; a long one is cut (it is the caller's own text).
const keyName = (key: string) => (key.length > 64 ? `${key.slice(0, 64)}…` : key);

/** zod issues as field names and codes; `unrecognized_keys` becomes one entry per key; custom issues carry their `params.code`. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: path ? `${path}.${keyName(key)}` : keyName(key),
        code: 'unrecognized_key',
        message: 'Unknown field.',
      }));
    }
    const custom = issue.code === 'custom' && typeof issue.params?.code === 'string' ? issue.params.code : undefined;
    return [{ field: path || '(body)', code: custom ?? issue.code, message: issue.message }];
  });
}

export function validationFailed(fields: FieldIssue[], message = 'The request is invalid.'): AppError {
  return new AppError('validation_failed', message, { details: { fields } });
}

/** `value` checked by `schema`. @throws AppError 400 validation_failed naming the bad fields. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, message?: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationFailed(fieldIssues(parsed.error), message);
  return parsed.data;
}
