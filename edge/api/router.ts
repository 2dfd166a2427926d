/**
 * Every `/api/...` resource router is an OpenAPIHono built here, so that one
 * set of zod schemas both validates requests and describes them in
 * `/api/openapi.json`. A failed validation becomes the one error model:
 * 400 `validation_failed` with the offending fields named (values never
 * echoed). Malformed JSON is Hono's HTTPException 400 (`bad_request`).
 */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { requireUser } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';
import { fieldIssues } from '../json-body.ts';

export function apiRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError('validation_failed', 'The request is invalid.', {
          details: { fields: fieldIssues(result.error as z.ZodError) },
        });
      }
    },
  });
}

/** The error body every route may answer, for the OpenAPI document. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'not_found' }),
      message: z.string(),
      requestId: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

/** Standard error responses for route definitions. */
export const errorResponses = (...statuses: (400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 429)[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: ERROR_TEXT[s], content: { 'application/json': { schema: errorSchema } } }]),
  );

const ERROR_TEXT = {
  400: 'Malformed or invalid request',
  401: 'Not signed in, or the credential is invalid',
  403: 'Signed in, but not allowed',
  404: 'No such resource (or not visible to the caller)',
  409: 'Conflicts with the current state',
  410: 'Expired or revoked',
  413: 'Body too large',
  415: 'Body is not JSON',
  429: 'Too many requests',
} as const;

/** Bearer security requirement for route definitions. */
export const bearerAuth = [{ bearerAuth: [] }];

/** A UUID path/query parameter. */
export const uuidParam = z.uuid().openapi({ format: 'uuid' });

/** A JSON response (or request) body for route definitions. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

/** A required JSON request body for route definitions. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true as const, content: { 'application/json': { schema } } });

/** Signed-in routes: Bearer in the document, `requireUser()` before the handler. */
export const signedIn = { security: bearerAuth, middleware: [requireUser()] };
