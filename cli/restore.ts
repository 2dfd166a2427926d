/**
 * `npm run restore -- <backup-folder> [<data-folder>]`: restores a backup
 * made by `npm run backup` into an empty data folder (default DATA_DIR),
 * after checking every file against the manifest. Refuses a folder that is
 * not empty, a damaged backup, or one made with other migrations; in every
 * refusal nothing is written. Then `DATA_DIR=<data-folder> npm run dev`.
 */
import { ConfigError, devConfigSchema, parseConfig } from '../shared/config.ts';
import { BackupError } from './backup-manifest.ts';
import { runRestore } from './restore-run.ts';

async function main(): Promise<void> {
  const c = parseConfig(devConfigSchema, process.env);
  const from = process.argv[2];
  if (!from) throw new BackupError('usage: npm run restore -- <backup-folder> [<data-folder>]');
  const target = process.argv[3] ?? c.DATA_DIR;
  const summary = await runRestore({
    from,
    target,
    buckets: { raw: c.S3_BUCKET_RAW, derivatives: c.S3_BUCKET_DERIVATIVES },
    credentials: { accessKeyId: c.S3_ACCESS_KEY_ID, secretAccessKey: c.S3_SECRET_ACCESS_KEY },
    log: (l) => console.log(l),
  });
  console.log(
    `restored into ${target}: ${summary.rows} rows, ${summary.objects} objects (${summary.objectBytes} bytes) in ${summary.ms} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof BackupError || err instanceof ConfigError ? err.message : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
