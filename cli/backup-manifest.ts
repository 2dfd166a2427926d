/**
 * A backup folder: `manifest.json` (written last, so a backup cut short has
 * none), one NDJSON file per table under `db/`, one file per object under
 * `objects/<raw|derivatives>/`, and for a PostgreSQL source also `db.pgdump`
 * (pg_dump's custom format, for pg_restore). The manifest names every file
 * with its size and SHA-256; restore checks them all before writing anything.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const MANIFEST = 'manifest.json';
export const FORMAT = 'media-platform-backup';

/** Paths inside the backup: plain relative names, never `..` or absolute. */
const file = z.string().regex(/^(db|objects\/(raw|derivatives))\/[A-Za-z0-9._-]+$|^db\.pgdump$/, 'a file inside the backup');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const checked = { file, bytes: z.number().int().nonnegative(), sha256 };
const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier');

export const manifestSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  createdAt: z.iso.datetime(),
  /** Where the database came from: the local stack's PGlite, or a PostgreSQL server. */
  source: z.enum(['pglite', 'postgres']),
  /** The migrations applied to the database (drizzle's hashes, in order); restore needs the same. */
  migrations: z.array(z.string().min(1)),
  tables: z.array(z.object({ name: identifier, columns: z.array(identifier).min(1), rows: z.number().int().nonnegative(), ...checked })),
  buckets: z.object({ raw: z.string().min(1), derivatives: z.string().min(1) }),
  objects: z.array(
    z.object({
      role: z.enum(['raw', 'derivatives']),
      key: z.string().min(1).max(1024),
      contentType: z.string().optional(),
      metadata: z.record(z.string(), z.string()).optional(),
      ...checked,
    }),
  ),
  pgDump: z.object(checked).optional(),
});
export type Manifest = z.output<typeof manifestSchema>;

/** A backup or restore refused, with what to do about it. */
export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST), 'utf8');
  } catch {
    throw new BackupError(`${dir} has no ${MANIFEST}: not a backup, or one that did not finish`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BackupError(`${path.join(dir, MANIFEST)} is not valid JSON (${(err as Error).message}): the backup is damaged`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new BackupError(`${path.join(dir, MANIFEST)} is not a backup manifest this version reads:\n  ${issues.join('\n  ')}`);
  }
  return parsed.data;
}

/** SHA-256 and size of a file, streamed. */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Every file the manifest names, checked against its size and hash; throws naming the first that differs. */
export async function verifyFiles(dir: string, m: Manifest): Promise<void> {
  const all = [...m.tables, ...m.objects, ...(m.pgDump ? [m.pgDump] : [])];
  for (const f of all) {
    const got = await hashFile(path.join(dir, f.file)).catch(() => null);
    if (!got) throw new BackupError(`${f.file} is missing from the backup`);
    if (got.bytes !== f.bytes || got.sha256 !== f.sha256) {
      throw new BackupError(
        `${f.file} does not match the manifest (sha256 ${got.sha256}, ${got.bytes} bytes; expected ${f.sha256}, ${f.bytes} bytes): the backup is damaged`,
      );
    }
  }
}
