/**
 * `npm run migrate`: applies the migrations to DATABASE_URL (through the
 * production driver; DATABASE_WS_PROXY names a ws relay for self-hosted
 * Postgres) or, when it is unset, to the embedded PGlite under DATA_DIR.
 */
import path from 'node:path';
import ws from 'ws';
import { originDatabaseSchema, parseConfig } from '../shared/config.ts';
import { applyMigrations } from '../shared/db/migrate.ts';
import { openNeonDatabase } from '../shared/db/neon.ts';
import { openPgliteDatabase } from '../shared/db/pglite.ts';
import { lockDataDir } from '../local/data-lock.ts';

let env: ReturnType<typeof parseConfig<typeof originDatabaseSchema>>;
try {
  env = parseConfig(originDatabaseSchema, process.env);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
}
if (env.DATABASE_URL) {
  const handle = openNeonDatabase({
    url: env.DATABASE_URL,
    wsProxy: env.DATABASE_WS_PROXY,
    secure: env.DATABASE_WS_SECURE,
    relayKey: env.DATABASE_RELAY_KEY,
    webSocketConstructor: ws,
  });
  await applyMigrations(handle.db, 'neon');
  await handle.close();
  console.log('migrations applied to DATABASE_URL');
} else {
  // PGlite allows one process per folder: refuse while `npm run dev` holds it.
  const unlock = await lockDataDir(env.DATA_DIR);
  const dir = path.join(env.DATA_DIR, 'pg');
  const handle = await openPgliteDatabase(dir);
  try {
    await applyMigrations(handle.db, 'pglite');
  } finally {
    await handle.close();
    await unlock();
  }
  console.log(`migrations applied to PGlite at ${dir}`);
}
