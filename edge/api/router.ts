/**
 * Every `/api/...` resource router is an OpenAPIHono built here, so that one
 * set of zod schemas both validates requests and describes them in
 * `/api/openapi.json`. Validation has one outcome (./validation.ts): 400
 * `validation_failed` with the offending fields named (values never echoed).
 *
 * JSON bodies are not read by zod-openapi's own validator: a route declared
 * with a JSON body is registered in the document as written, but its body
 * is read by the one reader (./json-body.ts: 415, the route class's size
 * limit, fatal UTF-8, NUL and surrogates) and checked by the same schema
 * just before the handler, after the route's middleware (authentication)
 * and its path and query validation, as before. (A route's own `hook`, if
 * one ever passes one, sees path and query results only.)
 */
import { OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import type { Context, Handler } from 'hono';
import { requireUser } from '../auth/authenticate.ts';
import type { AppEnv } from '../env.ts';
import { BODY_LIMITS, readJsonBody } from './json-body.ts';
import { fieldIssues, parseOrThrow, validationFailed } from './validation.ts';

/** Limits given to {@link jsonBody} by body object (the rest use `BODY_LIMITS.api`). */
const bodyLimits = new WeakMap<object, number>();

interface JsonBodyRoute {
  schema: z.ZodType;
  required: boolean;
  maxBytes: number;
}

function jsonBodyOf(route: RouteConfig): JsonBodyRoute | undefined {
  const body = route.request?.body;
  const media = body?.content?.['application/json'] as { schema?: z.ZodType } | undefined;
  const schema = media?.schema;
  if (!body || !schema || typeof schema.safeParse !== 'function') return undefined;
  return { schema, required: body.required === true, maxBytes: bodyLimits.get(body) ?? BODY_LIMITS.api };
}

const hasNoBody = (c: Context) =>
  !c.req.header('content-type') && (c.req.header('content-length') ?? '0') === '0' && !c.req.header('transfer-encoding');

export function apiRouter(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationFailed(fieldIssues(result.error as z.ZodError));
    },
  });
  const register = router.openapi;
  router.openapi = ((route: RouteConfig, handler: Handler<AppEnv>, hook?: unknown) => {
    const body = jsonBodyOf(route);
    if (!body) return register(route as never, handler as never, hook as never);
    const { middleware: _middleware, hide, ...documented } = route;
    if (!hide) router.openAPIRegistry.registerPath(documented);
    const { body: _body, ...request } = route.request!;
    const withBody: Handler<AppEnv> = async (c, next) => {
      // An optional body may be left out entirely (zod-openapi's rule: then it is `{}`).
      const value = !body.required && hasNoBody(c) ? {} : await readJsonBody(c, { maxBytes: body.maxBytes });
      c.req.addValidatedData('json', parseOrThrow(body.schema, value, 'The request body is invalid.') as object);
      return handler(c, next);
    };
    return register({ ...route, hide: true, request } as never, withBody as never, hook as never);
  }) as typeof router.openapi;
  return router;
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
  Object.fromEntries(statuses.map((s) => [s, { description: ERROR_TEXT[s], content: { 'application/json': { schema: errorSchema } } }]));

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
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * A required JSON request body for route definitions, read by the one reader
 * with the API limit (`BODY_LIMITS.api`) unless `maxBytes` says otherwise.
 */
export const jsonBody = <T extends z.ZodType>(schema: T, options: { maxBytes?: number } = {}) => {
  const body = { required: true as const, content: { 'application/json': { schema } } };
  if (options.maxBytes !== undefined) bodyLimits.set(body, options.maxBytes);
  return body;
};

/** Signed-in routes: Bearer in the document, `requireUser()` before the handler. */
export const signedIn = { security: bearerAuth, middleware: [requireUser()] };
