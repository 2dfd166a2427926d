/**
 * A migrated database for a node suite: PGlite in memory, or a fresh
 * database of its own on the global setup's Debian PostgreSQL, reached
 * through the production driver (@neondatabase/serverless via the ws relay).
 */
import { sql } from 'drizzle-orm';
import ws from 'ws';
import { inject } from 'vitest';
import type { DatabaseHandle } from '../../../shared/db/database.ts';
import { applyMigrations } from '../../../shared/db/migrate.ts';
import { openNeonDatabase } from '../../../shared/db/neon.ts';
import { openPgliteDatabase } from '../../../shared/db/pglite.ts';

export type Driver = 'pglite' | 'neon';

export const DRIVERS: { name: string; driver: Driver }[] = [
  { name: 'PGlite', driver: 'pglite' },
  { name: 'PostgreSQL via @neondatabase/serverless', driver: 'neon' },
];

export async function openMigratedDatabase(driver: Driver, opts: { max?: number } = {}): Promise<DatabaseHandle> {
  let handle: DatabaseHandle;
  if (driver === 'pglite') {
    handle = await openPgliteDatabase();
  } else {
    const conn = { wsProxy: inject('pgWsProxy'), secure: false, webSocketConstructor: ws };
    const admin = openNeonDatabase({ url: inject('pgUrl'), ...conn });
    const name = `test_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
    await admin.db.execute(sql.raw(`create database ${name}`));
    await admin.close();
    handle = openNeonDatabase({ url: inject('pgUrl').replace(/\/postgres$/, `/${name}`), ...conn, ...(opts.max ? { max: opts.max } : {}) });
  }
  await applyMigrations(handle.db, driver);
  return handle;
}
