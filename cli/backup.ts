/**
 * `npm run backup [-- <folder>]`: backs up the running local stack (its
 * database through its own wire server, both buckets through its S3 API)
 * into a new or empty folder, default `backups/<time>`. With DATABASE_URL
 * (and DATABASE_WS_PROXY) set, the database is that PostgreSQL server
 * instead, and pg_dump's custom-format dump is kept beside the logical one.
 * Ports, credentials and bucket names are the stack's settings (DevConfig).
 */
import path from 'node:path';
import ws from 'ws';
import { z } from 'zod';
import { ConfigError, devConfigSchema, parseConfig } from '../shared/config.ts';
import { openNeonDatabase } from '../shared/db/neon.ts';
import { openStorage } from '../origin/core/storage.ts';
import { readRelayKey } from '../local/dev-keys.ts';
import { BackupError } from './backup-manifest.ts';
import { runBackup } from './backup-run.ts';

const schema = devConfigSchema.extend({
  DATABASE_URL: z.url().optional(),
  DATABASE_WS_PROXY: z.string().min(1).optional(),
  DATABASE_WS_SECURE: z.stringbool().default(false),
  DATABASE_RELAY_KEY: z.string().min(43).optional(),
});

async function main(): Promise<void> {
  const c = parseConfig(schema, process.env);
  const out = path.resolve(process.argv[2] ?? path.join('backups', new Date().toISOString().replace(/[:.]/g, '-')));
  const external = c.DATABASE_URL;
  const handle = openNeonDatabase({
    url: external ?? `postgres://postgres:postgres@127.0.0.1:${c.PG_PORT}/postgres`,
    wsProxy: external ? (c.DATABASE_WS_PROXY ?? '') : `127.0.0.1:${c.PG_WS_PORT}/v1`,
    secure: external ? c.DATABASE_WS_SECURE : false,
    webSocketConstructor: ws,
    // The stack's relay asks for the caller proof the edge sends (local/dev-keys.ts keeps its key).
    relayKey: external
      ? c.DATABASE_RELAY_KEY
      : await readRelayKey(c.DATA_DIR).catch((err: Error) => {
          throw new BackupError(err.message);
        }),
    max: 1,
  });
  const storage = openStorage({
    endpoint: `http://127.0.0.1:${c.S3_PORT}`,
    region: 'us-east-1',
    accessKeyId: c.S3_ACCESS_KEY_ID,
    secretAccessKey: c.S3_SECRET_ACCESS_KEY,
  });
  try {
    await storage.headBucket(c.S3_BUCKET_RAW).catch((err: unknown) => {
      throw new BackupError(
        `storage at 127.0.0.1:${c.S3_PORT} does not answer (${(err as Error).message}): start the stack (npm run dev) first`,
      );
    });
    const summary = await runBackup({
      db: handle.db,
      source: external ? 'postgres' : 'pglite',
      storage,
      buckets: { raw: c.S3_BUCKET_RAW, derivatives: c.S3_BUCKET_DERIVATIVES },
      out,
      ...(external ? { pgDumpUrl: external } : {}),
      log: (l) => console.log(l),
    });
    console.log(
      `backup written to ${out}: ${summary.rows} rows in ${summary.tables} tables, ${summary.objects} objects (${summary.objectBytes} bytes) in ${summary.ms} ms`,
    );
  } finally {
    await handle.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof BackupError || err instanceof ConfigError ? err.message : err);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
