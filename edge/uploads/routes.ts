/**
 * The uploads API: `POST /api/uploads` and `GET /api/assets/{id}/status`
 * (one OpenAPI router), and the Companion-style contract `@uppy/aws-s3`
 * speaks outside /api (`/s3/multipart…`, `/s3/params`, `/status`), plain
 * Hono read by the same body reader and validation path. Both registered
 * once in edge/app.ts.
 */
import { Hono } from 'hono';
import { apiRouter } from '../api/router.ts';
import type { AppEnv } from '../env.ts';
import { s3Multipart } from './s3-multipart.routes.ts';
import { s3Params } from './s3-params.routes.ts';
import { companionStatus, uploadStatusRoutes } from './upload-status.routes.ts';
import { uploadRoutes } from './uploads.routes.ts';

export const uploads = apiRouter().route('/', uploadRoutes).route('/', uploadStatusRoutes);

export const companion = new Hono<AppEnv>().route('/', s3Multipart).route('/', s3Params).route('/', companionStatus);
