/**
 * Restores a backup folder into an EMPTY local data folder: every file is
 * checked against the manifest before anything is written; the database
 * (PGlite) and the two buckets (the local S3 server's files) are built in a
 * sibling staging folder, which becomes the target by one rename at the end.
 * Whatever fails, the target is left as it was and the staging folder removed:
 * nothing half-restored. `npm run dev` with DATA_DIR set to the target then
 * starts on the restored data (new signing keys: tokens issued before are
 * not valid; sessions are, through their refresh tokens in the database).
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { startLocalS3 } from '../local/s3-server.ts';
import { applyMigrations } from '../shared/db/migrate.ts';
import { openPgliteDatabase } from '../shared/db/pglite.ts';
import { openStorage } from '../origin/core/storage.ts';
import { loadDatabase } from './backup-database.ts';
import { BackupError, readManifest, verifyFiles } from './backup-manifest.ts';

export interface RestoreOptions {
  from: string;
  /** A data folder that does not exist or is empty. */
  target: string;
  /** Bucket names the restored stack will use. */
  buckets: { raw: string; derivatives: string };
  credentials?: { accessKeyId: string; secretAccessKey: string };
  log?: (line: string) => void;
}

export interface RestoreSummary {
  rows: number;
  objects: number;
  objectBytes: number;
  ms: number;
}

export async function runRestore(o: RestoreOptions): Promise<RestoreSummary> {
  const started = Date.now();
  const target = path.resolve(o.target);
  const entries = await readdir(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw new BackupError(`cannot read the restore target ${target}: ${err.message}`);
  });
  if (entries.length) throw new BackupError(`the restore target ${target} is not empty: restore goes into an empty data folder`);
  const manifest = await readManifest(o.from);
  await verifyFiles(o.from, manifest);
  o.log?.(
    `backup of ${manifest.createdAt} checked in ${Date.now() - started} ms: ${manifest.tables.length} tables, ${manifest.objects.length} objects`,
  );

  const staging = `${target}.restoring-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    const creating = Date.now();
    const pg = await openPgliteDatabase(path.join(staging, 'pg'));
    try {
      await applyMigrations(pg.db, 'pglite');
      o.log?.(`database created and migrated in ${Date.now() - creating} ms`);
      const loading = Date.now();
      await loadDatabase(pg.db, o.from, manifest);
      o.log?.(`database loaded in ${Date.now() - loading} ms`);
    } finally {
      const closing = Date.now();
      await pg.close();
      o.log?.(`database closed in ${Date.now() - closing} ms`);
    }
    const storing = Date.now();
    const credentials = o.credentials ?? { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const s3 = await startLocalS3({
      directory: path.join(staging, 's3'),
      port: 0,
      buckets: [o.buckets.raw, o.buckets.derivatives],
      corsOrigins: [],
      credentials,
    });
    try {
      const storage = openStorage({ endpoint: s3.endpoint, region: 'us-east-1', ...credentials });
      const next = [...manifest.objects];
      const worker = async () => {
        for (let x = next.shift(); x; x = next.shift()) {
          const body = createReadStream(path.join(o.from, x.file));
          await storage.put(o.buckets[x.role], x.key, body, {
            contentLength: x.bytes,
            ...(x.contentType ? { contentType: x.contentType } : {}),
            ...(x.metadata ? { metadata: x.metadata } : {}),
          });
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
      o.log?.(`objects stored in ${Date.now() - storing} ms`);
    } finally {
      await s3.close();
    }
    // One step: rename(2) replaces an empty directory.
    await rename(staging, target);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return {
    rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
    objects: manifest.objects.length,
    objectBytes: manifest.objects.reduce((n, x) => n + x.bytes, 0),
    ms: Date.now() - started,
  };
}
