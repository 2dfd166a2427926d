import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema.ts';

/** The one drizzle API every caller uses, whichever driver is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A database handle plus the means to release its connections. */
export interface DatabaseHandle {
  db: Database;
  close(): Promise<void>;
}
