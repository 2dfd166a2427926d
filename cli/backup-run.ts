/**
 * Makes a backup folder (backup-manifest.ts): the database first, as one
 * snapshot, then both buckets, every object streamed to a file while its
 * SHA-256 is computed. Database before buckets because the pipeline writes
 * an object before the row that names it: every object a row of the
 * snapshot names is in storage when the buckets are read. (Objects newer
 * than the snapshot come along too; an original whose asset the snapshot
 * still has `pending` is re-queued by reconciliation after a restore.)
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { findPostgresBin } from '../local/postgres-server.ts';
import type { Database } from '../shared/db/database.ts';
import type { OriginStorage } from '../origin/core/storage.ts';
import { dumpDatabase } from './backup-database.ts';
import { BackupError, FORMAT, hashFile, MANIFEST, type Manifest } from './backup-manifest.ts';

const run = promisify(execFile);

export interface BackupOptions {
  db: Database;
  source: Manifest['source'];
  storage: OriginStorage;
  buckets: Manifest['buckets'];
  /** A new or empty folder. */
  out: string;
  /** A PostgreSQL source's libpq URL: pg_dump writes `db.pgdump` beside the logical dump. */
  pgDumpUrl?: string;
  log?: (line: string) => void;
}

export interface BackupSummary {
  tables: number;
  rows: number;
  objects: number;
  objectBytes: number;
  ms: number;
}

export async function runBackup(o: BackupOptions): Promise<BackupSummary> {
  const started = Date.now();
  const entries = await readdir(o.out).catch(() => [] as string[]);
  if (entries.length) throw new BackupError(`${o.out} is not empty: a backup goes to a new or empty folder`);
  // Password and token hashes are in there: readable by this user only.
  for (const d of ['db', 'objects/raw', 'objects/derivatives']) await mkdir(path.join(o.out, d), { recursive: true, mode: 0o700 });

  const db = await dumpDatabase(o.db, o.out);
  o.log?.(`database: ${db.tables.length} tables, ${db.tables.reduce((n, t) => n + t.rows, 0)} rows in ${Date.now() - started} ms`);
  let pgDump: Manifest['pgDump'];
  if (o.pgDumpUrl) {
    const bin = findPostgresBin();
    if (!bin) throw new BackupError('pg_dump is not installed: `apt-get install -y postgresql-client`');
    await run(path.join(bin, 'pg_dump'), ['--format=custom', '--no-owner', '--file', path.join(o.out, 'db.pgdump'), o.pgDumpUrl]);
    pgDump = { file: 'db.pgdump', ...(await hashFile(path.join(o.out, 'db.pgdump'))) };
  }

  const objects: Manifest['objects'] = [];
  for (const role of ['raw', 'derivatives'] as const) {
    const keys: string[] = [];
    for await (const obj of o.storage.list(o.buckets[role])) keys.push(obj.key);
    const next = keys.map((key, i) => ({ key, file: `objects/${role}/${String(i).padStart(8, '0')}` }));
    const worker = async () => {
      for (let item = next.shift(); item; item = next.shift()) {
        const got = await copyObject(o.storage, o.buckets[role], item.key, path.join(o.out, item.file));
        if (got) objects.push({ role, key: item.key, file: item.file, ...got });
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  }
  objects.sort((a, b) => a.file.localeCompare(b.file));
  const objectBytes = objects.reduce((n, x) => n + x.bytes, 0);
  o.log?.(`storage: ${objects.length} objects, ${objectBytes} bytes (done at ${Date.now() - started} ms)`);

  const manifest: Manifest = {
    format: FORMAT,
    version: 1,
    createdAt: new Date(started).toISOString(),
    source: o.source,
    ...db,
    buckets: o.buckets,
    objects,
    ...(pgDump ? { pgDump } : {}),
  };
  // Last, and by rename: a folder with a manifest is a finished backup.
  await writeFile(path.join(o.out, `${MANIFEST}.tmp`), JSON.stringify(manifest, null, 1), { mode: 0o600 });
  await rename(path.join(o.out, `${MANIFEST}.tmp`), path.join(o.out, MANIFEST));
  return {
    tables: db.tables.length,
    rows: db.tables.reduce((n, t) => n + t.rows, 0),
    objects: objects.length,
    objectBytes,
    ms: Date.now() - started,
  };
}

/** Streams one object to `file`, hashing on the way; null when it vanished since the listing (a purge). */
async function copyObject(storage: OriginStorage, bucket: string, key: string, file: string) {
  const res = await storage.get(bucket, key);
  if (!res?.body) return null;
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(res.body, tap, createWriteStream(file, { mode: 0o600 }));
  const metadata = res.metadata;
  const contentType = res.contentType;
  return {
    bytes,
    sha256: hash.digest('hex'),
    ...(contentType ? { contentType } : {}),
    ...(Object.keys(metadata).length ? { metadata } : {}),
  };
}
