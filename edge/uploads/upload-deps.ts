/**
 * The one place an upload handler turns its request's services into the
 * explicit dependencies the upload services take (./start-upload.ts,
 * ./complete-multipart.ts): they never see Hono's context.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import type { CompleteDeps } from './complete-multipart.ts';
import type { UploadDeps } from './start-upload.ts';

export function uploadDeps(c: Context<AppEnv>, now = new Date()): UploadDeps & CompleteDeps {
  const { db, storage, config } = c.get('services');
  return { db: db(), storage, config, bucket: config.S3_BUCKET_RAW, now };
}
