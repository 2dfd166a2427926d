/** Applies the drizzle-kit migrations in ./migrations (Node only: it reads files). */
import { fileURLToPath } from 'node:url';
import { migrate as migrateNeon } from 'drizzle-orm/neon-serverless/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { NeonDatabase } from 'drizzle-orm/neon-serverless';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { Database } from './database.ts';
import type * as schema from './schema.ts';

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Applies every pending migration; already applied ones are skipped by drizzle's journal. */
export async function applyMigrations(db: Database, driver: 'pglite' | 'neon'): Promise<void> {
  if (driver === 'pglite') {
    await migratePglite(db as unknown as PgliteDatabase<typeof schema>, { migrationsFolder });
  } else {
    await migrateNeon(db as unknown as NeonDatabase<typeof schema>, { migrationsFolder });
  }
}
