/** Embedded Postgres (PGlite) through the same drizzle API: the local default. */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import * as schema from './schema.ts';
import type { DatabaseHandle } from './database.ts';

export interface PgliteHandle extends DatabaseHandle {
  client: PGlite;
}

/** Opens PGlite at `dataDir` (persistent) or in memory when it is omitted. */
export async function openPgliteDatabase(dataDir?: string): Promise<PgliteHandle> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const client = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const db = drizzle({ client, schema });
  return { client, db, close: () => client.close() };
}
