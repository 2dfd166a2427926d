/**
 * The logical database dump of a backup, and its load. Dump: one REPEATABLE
 * READ, READ ONLY transaction (one snapshot of every table) through the
 * production driver, so it reads the local stack's PGlite through the stack's
 * own wire server (which holds PGlite for the transaction) and a PostgreSQL
 * server alike; each table's stored columns (not generated ones) go to an
 * NDJSON file through a cursor, a page at a time. Load: into a freshly
 * migrated, empty database with the same migrations, in one transaction,
 * with triggers and so foreign-key checks off while it runs
 * (session_replication_role: the rows come from one consistent snapshot, so
 * table order does not matter), then every serial sequence set past its max.
 * The local queue's schema is not product data and is left out: the
 * reconciliation at start-up re-queues whatever was unfinished.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import readline from 'node:readline';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database } from '../shared/db/database.ts';
import { rowsOf } from '../shared/db/sql-rows.ts';
import { BackupError, hashFile, type Manifest } from './backup-manifest.ts';

const PAGE = 2000;
const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** The applied migrations, in order (drizzle's journal table). */
async function migrationsOf(db: Pick<Database, 'execute'>): Promise<string[]> {
  const rows = rowsOf<{ hash: string }>(await db.execute(sql`select hash from drizzle.__drizzle_migrations order by created_at, id`));
  return rows.map((r) => r.hash);
}

/** Base tables of `public` and their stored (non-generated) columns. */
async function tablesOf(db: Pick<Database, 'execute'>): Promise<Map<string, string[]>> {
  const rows = rowsOf<{ table_name: string; column_name: string }>(
    await db.execute(sql`select c.table_name, c.column_name from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.is_generated = 'NEVER'
      order by c.table_name, c.ordinal_position`),
  );
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.table_name, [...(out.get(r.table_name) ?? []), r.column_name]);
  return out;
}

export async function dumpDatabase(db: Database, dir: string): Promise<Pick<Manifest, 'migrations' | 'tables'>> {
  return db.transaction(
    async (tx) => {
      const migrations = await migrationsOf(tx);
      const tables: Manifest['tables'] = [];
      for (const [name, columns] of await tablesOf(tx)) {
        const file = `db/${name}.ndjson`;
        const rows = await dumpTable(tx, name, columns, path.join(dir, file));
        tables.push({ name, columns, rows, file, ...(await hashFile(path.join(dir, file))) });
      }
      return { migrations, tables };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

async function dumpTable(tx: Tx, name: string, columns: string[], file: string): Promise<number> {
  const out = createWriteStream(file, { mode: 0o600 });
  const cursor = `backup_${name}`;
  let rows = 0;
  try {
    await tx.execute(
      sql.raw(
        `declare ${quote(cursor)} no scroll cursor for select row_to_json(r)::text as j from (select ${columns.map(quote).join(', ')} from public.${quote(name)}) r`,
      ),
    );
    for (;;) {
      const page = rowsOf<{ j: string }>(await tx.execute(sql.raw(`fetch ${PAGE} from ${quote(cursor)}`)));
      for (const r of page) if (!out.write(`${r.j}\n`)) await once(out, 'drain');
      rows += page.length;
      if (page.length < PAGE) break;
    }
    await tx.execute(sql.raw(`close ${quote(cursor)}`));
  } finally {
    out.end();
    await once(out, 'close');
  }
  return rows;
}

/** Loads the dump into `db`, which must be freshly migrated with the same migrations and empty. */
export async function loadDatabase(db: Database, dir: string, m: Manifest): Promise<void> {
  const have = await migrationsOf(db);
  if (have.join() !== m.migrations.join()) {
    throw new BackupError(
      `the backup was made at migration ${m.migrations.length} and this code is at ${have.length}: restore it with the code version that made it, then migrate`,
    );
  }
  const actual = await tablesOf(db);
  for (const t of m.tables) {
    const cols = actual.get(t.name);
    if (!cols) throw new BackupError(`the backup holds table ${t.name}, which this schema has not`);
    const unknown = t.columns.filter((c) => !cols.includes(c));
    if (unknown.length) throw new BackupError(`the backup's ${t.name} has columns this schema has not: ${unknown.join(', ')}`);
  }
  await db.transaction(async (tx) => {
    await tx.execute(sql.raw('set local session_replication_role = replica'));
    for (const t of m.tables) await loadTable(tx, t, path.join(dir, t.file));
    await tx.execute(sql.raw('set local session_replication_role = origin'));
    const serials = rowsOf<{ table_name: string; column_name: string }>(
      await tx.execute(sql`select table_name, column_name from information_schema.columns
        where table_schema = 'public' and column_default like 'nextval(%'`),
    );
    for (const s of serials) {
      const t = `public.${quote(s.table_name)}`;
      await tx.execute(
        sql.raw(`select setval(pg_get_serial_sequence('${t.replace(/'/g, "''")}', '${s.column_name.replace(/'/g, "''")}'),
        coalesce((select max(${quote(s.column_name)}) from ${t}), 0) + 1, false)`),
      );
    }
  });
}

async function loadTable(tx: Tx, t: Manifest['tables'][number], file: string): Promise<void> {
  const cols = t.columns.map(quote).join(', ');
  const insert = async (batch: string[]) => {
    if (!batch.length) return;
    await tx.execute(sql`insert into ${sql.raw(`public.${quote(t.name)} (${cols})`)}
      select ${sql.raw(cols)} from json_populate_recordset(null::${sql.raw(`public.${quote(t.name)}`)}, ${`[${batch.join(',')}]`}::json)`);
  };
  let batch: string[] = [];
  let rows = 0;
  for await (const line of readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line) continue;
    batch.push(line);
    rows += 1;
    if (batch.length >= 500) {
      await insert(batch);
      batch = [];
    }
  }
  await insert(batch);
  if (rows !== t.rows) throw new BackupError(`${t.file} holds ${rows} rows, the manifest says ${t.rows}`);
}
