/**
 * Body rules for every `/api/...` request that carries one (POST, PUT,
 * PATCH): `Content-Type: application/json` (else 415) and at most 64 KiB
 * (else 413). Route schemas then validate the parsed body.
 */
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env.ts';
import { AppError } from '../errors.ts';

export const MAX_API_BODY_BYTES = 64 * 1024;

const hasBody = (req: Request) =>
  ['POST', 'PUT', 'PATCH'].includes(req.method) &&
  ((req.headers.get('content-length') ?? '0') !== '0' || req.headers.has('transfer-encoding'));

export const jsonBodies = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!hasBody(c.req.raw)) return next();
    if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
      throw new AppError('unsupported_media_type', 'The request body must be application/json.');
    }
    return bodyLimit({
      maxSize: MAX_API_BODY_BYTES,
      onError: () => {
        throw new AppError('payload_too_large', `The request body must be at most ${MAX_API_BODY_BYTES} bytes.`);
      },
    })(c, next);
  });
