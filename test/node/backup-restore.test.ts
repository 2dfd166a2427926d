/**
 * `npm run backup` / `npm run restore` round trip: a running local stack with
 * processed assets is backed up by the CLI (database through the stack's own
 * wire server, buckets through its S3 API), restored by the CLI into an empty
 * folder, and every row of every table and every object (bytes by SHA-256,
 * content type) is compared. Bad input is refused with a clear message and
 * leaves nothing behind. A PostgreSQL source adds pg_dump's dump and restores
 * into PGlite from the logical dump.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import ws from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runBackup } from '../../cli/backup-run.ts';
import { runRestore } from '../../cli/restore-run.ts';
import { findPostgresBin } from '../../local/postgres-server.ts';
import { startLocalS3 } from '../../local/s3-server.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { devConfigSchema, parseConfig } from '../../shared/config.ts';
import type { Database } from '../../shared/db/database.ts';
import { applyMigrations } from '../../shared/db/migrate.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { openPgliteDatabase } from '../../shared/db/pglite.ts';
import { rowsOf } from '../../shared/db/sql-rows.ts';
import { assets, auditLog, users } from '../../shared/db/schema.ts';
import { originalKey } from '../../shared/storage/keys.ts';
import { type OriginStorage, openStorage } from '../../origin/core/storage.ts';
import { sha256OfObject } from './support/upload-stack.ts';
import { sidewaysJpeg, tinyPdf } from './support/samples.ts';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let work: string;
let stack: LocalStack;
let backup: string;

/** Every row of every public table, as sorted JSON text: what must survive the round trip. */
async function everyRow(db: Database): Promise<Record<string, string[]>> {
  const tables = rowsOf<{ table_name: string }>(
    await db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
    ),
  );
  const out: Record<string, string[]> = {};
  for (const { table_name: t } of tables) {
    out[t] = rowsOf<{ j: string }>(await db.execute(sql.raw(`select row_to_json(x)::text as j from public."${t}" x`)))
      .map((r) => r.j)
      .sort();
  }
  return out;
}

/** bucket -> key -> "sha256 content-type" */
async function everyObject(storage: OriginStorage, buckets: string[]): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const b of buckets) {
    out[b] = {};
    for await (const o of storage.list(b)) {
      const head = await storage.head(b, o.key);
      out[b][o.key] = `${await sha256OfObject(storage, b, o.key)} ${head?.contentType}`;
    }
  }
  return out;
}

const cli = (script: string, args: string[], env: NodeJS.ProcessEnv) =>
  exec(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'backup-restore-'));
  const config = parseConfig(devConfigSchema, {
    DATA_DIR: path.join(work, 'live'),
    EDGE_PORT: '0',
    S3_PORT: '0',
    PG_PORT: '0',
    PG_WS_PORT: '0',
  });
  stack = await startLocalStack(config);
  const db = stack.postgres.handle.db;
  const [u] = await db.insert(users).values({ email: 'backup@example.test', name: 'Backup', passwordHash: 'h' }).returning();
  const originals = [
    { name: 'a.jpg', type: 'image/jpeg', bytes: await sidewaysJpeg(800, 600) },
    { name: 'b.jpg', type: 'image/jpeg', bytes: await sidewaysJpeg(640, 480) },
    { name: 'doc.pdf', type: 'application/pdf', bytes: tinyPdf(2) },
  ];
  const ids: string[] = [];
  for (const o of originals) {
    const [a] = await db
      .insert(assets)
      .values({ ownerId: u!.id, filename: o.name, declaredType: o.type, size: o.bytes.length })
      .returning();
    ids.push(a!.id);
    await stack.pipeline.storage.put('raw', originalKey(a!.id), new Uint8Array(o.bytes), { contentType: o.type });
  }
  const deadline = Date.now() + 120_000;
  for (;;) {
    const rows = await Promise.all(
      ids.map(async (id) => (await db.select({ s: assets.status }).from(assets).where(eq(assets.id, id)))[0]!.s),
    );
    if (rows.every((s) => s === 'ready')) break;
    if (Date.now() > deadline) throw new Error(`assets not ready: ${rows.join()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // A serial column with rows, so the restored sequence is checked too.
  for (let i = 0; i < 3; i++)
    await db.insert(auditLog).values({ actorId: u!.id, action: 'test.backup', resourceType: 'asset', resourceId: ids[0]!, detail: { i } });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await rm(work, { recursive: true, force: true });
});

describe('backup and restore of the local stack', () => {
  it('round-trips every row and every object through the CLIs', async () => {
    backup = path.join(work, 'backup');
    const env = {
      DATA_DIR: path.join(work, 'live'),
      S3_PORT: String(stack.s3.port),
      PG_PORT: new URL(stack.postgres.url).port,
      PG_WS_PORT: stack.postgres.wsProxy.split(':')[1]!.split('/')[0]!,
    };
    const made = await cli('cli/backup.ts', [backup], env);
    expect(made.out).toMatch(/backup written to .*: \d+ rows in \d+ tables, \d+ objects/);
    expect(made.code).toBe(0);
    // The backup holds password hashes: readable by its owner only.
    expect((await stat(path.join(backup, 'manifest.json'))).mode & 0o077).toBe(0);

    const target = path.join(work, 'restored');
    const restored = await cli('cli/restore.ts', [backup, target], {});
    expect(restored.out).toMatch(/restored into/);
    expect(restored.code).toBe(0);

    const copy = await openPgliteDatabase(path.join(target, 'pg'));
    try {
      const before = await everyRow(stack.postgres.handle.db);
      const after = await everyRow(copy.db);
      expect(after).toEqual(before);
      expect(before.assets).toHaveLength(3);
      expect(before.derivatives!.length).toBeGreaterThan(10);
      // Sequences continue after the restored rows.
      expect(before.audit_log).toHaveLength(3);
      const next = rowsOf<{ n: string }>(
        await copy.db.execute(sql`select nextval(pg_get_serial_sequence('audit_log', 'id'))::text as n`),
      )[0]!.n;
      const max = rowsOf<{ m: string }>(await copy.db.execute(sql`select max(id)::text as m from audit_log`))[0]!.m;
      expect(Number(next)).toBe(Number(max) + 1);
    } finally {
      await copy.close();
    }
    const s3 = await startLocalS3({ directory: path.join(target, 's3'), port: 0, buckets: ['raw', 'derivatives'], corsOrigins: [] });
    try {
      const storage = openStorage({ endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
      const after = await everyObject(storage, ['raw', 'derivatives']);
      const before = await everyObject(stack.pipeline.storage, ['raw', 'derivatives']);
      expect(after).toEqual(before);
      expect(Object.keys(before.raw!)).toHaveLength(3);
    } finally {
      await s3.close();
    }
  }, 240_000);

  it('refuses a target that is not empty, and a backup folder that is not empty', async () => {
    const target = path.join(work, 'busy');
    await mkdir(target);
    await writeFile(path.join(target, 'keep.txt'), 'mine');
    const res = await cli('cli/restore.ts', [backup, target], {});
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/is not empty: restore goes into an empty data folder/);
    expect(await readdir(target)).toEqual(['keep.txt']);
    await expect(
      runBackup({
        db: stack.postgres.handle.db,
        source: 'pglite',
        storage: stack.pipeline.storage,
        buckets: { raw: 'raw', derivatives: 'derivatives' },
        out: target,
      }),
    ).rejects.toThrow(/is not empty/);
  });

  /** A copy of the backup, damaged by `harm`; restoring it must fail with `message` and leave nothing. */
  async function refused(name: string, harm: (dir: string) => Promise<void>, message: RegExp) {
    const dir = path.join(work, `bad-${name}`);
    await cp(backup, dir, { recursive: true });
    await harm(dir);
    const target = path.join(work, `target-${name}`);
    await expect(runRestore({ from: dir, target, buckets: { raw: 'raw', derivatives: 'derivatives' } })).rejects.toThrow(message);
    expect(await readdir(target).catch((e: NodeJS.ErrnoException) => e.code)).toBe('ENOENT');
    expect((await readdir(work)).filter((f) => f.includes('.restoring-'))).toEqual([]);
  }

  it('refuses a backup without a manifest, or with a corrupt one', async () => {
    await refused('missing', (d) => rm(path.join(d, 'manifest.json')), /has no manifest\.json: not a backup, or one that did not finish/);
    await refused(
      'truncated',
      async (d) => writeFile(path.join(d, 'manifest.json'), (await readFile(path.join(d, 'manifest.json'), 'utf8')).slice(0, 200)),
      /is not valid JSON/,
    );
    await refused(
      'escape',
      async (d) => {
        const m = JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8'));
        m.objects[0].file = '../../../etc/passwd';
        await writeFile(path.join(d, 'manifest.json'), JSON.stringify(m));
      },
      /objects\.0\.file: .*a file inside the backup/,
    );
  });

  it('refuses a backup whose files do not match their checksums, before writing anything', async () => {
    await refused(
      'flipped',
      async (d) => {
        const m = JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8'));
        const f = path.join(d, m.objects.at(-1).file);
        const bytes = await readFile(f);
        const i = bytes.length >> 1;
        bytes[i] = bytes[i]! ^ 0xff;
        await writeFile(f, bytes);
      },
      /objects\/\w+\/\d+ does not match the manifest .*the backup is damaged/,
    );
    await refused('table', (d) => writeFile(path.join(d, 'db', 'assets.ndjson'), '{}\n'), /db\/assets\.ndjson does not match the manifest/);
  });

  it('removes what it built when the load fails half-way (a backup of other migrations)', async () => {
    await refused(
      'migrations',
      async (d) => {
        const m = JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8'));
        m.migrations.pop();
        await writeFile(path.join(d, 'manifest.json'), JSON.stringify(m));
      },
      /the backup was made at migration \d+ and this code is at \d+/,
    );
  });
});

describe('backup of a PostgreSQL database', () => {
  it('keeps pg_dump output beside the logical dump, and restores the logical dump into PGlite', async () => {
    const conn = { wsProxy: inject('pgWsProxy'), secure: false, webSocketConstructor: ws };
    const name = `backup_${Date.now()}`;
    const admin = openNeonDatabase({ url: inject('pgUrl'), ...conn });
    await admin.db.execute(sql.raw(`create database ${name}`));
    await admin.close();
    const url = inject('pgUrl').replace(/\/postgres$/, `/${name}`);
    const pg = openNeonDatabase({ url, ...conn });
    const dir = path.join(work, 'pg-source');
    const s3 = await startLocalS3({ directory: path.join(dir, 's3'), port: 0, buckets: ['raw', 'derivatives'], corsOrigins: [] });
    try {
      await applyMigrations(pg.db, 'neon');
      await pg.db.insert(users).values({ email: 'pg@example.test', name: 'PG', passwordHash: 'h' });
      const storage = openStorage({ endpoint: s3.endpoint, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
      await storage.put('raw', 'x/original', 'bytes', { contentType: 'text/plain' });
      const out = path.join(work, 'pg-backup');
      const summary = await runBackup({
        db: pg.db,
        source: 'postgres',
        storage,
        buckets: { raw: 'raw', derivatives: 'derivatives' },
        out,
        pgDumpUrl: url,
      });
      expect(summary).toMatchObject({ objects: 1 });
      const listed = await exec(path.join(findPostgresBin()!, 'pg_restore'), ['--list', path.join(out, 'db.pgdump')]);
      expect(listed.stdout).toMatch(/TABLE DATA public assets/);
      const target = path.join(work, 'pg-restored');
      await runRestore({ from: out, target, buckets: { raw: 'raw', derivatives: 'derivatives' } });
      const copy = await openPgliteDatabase(path.join(target, 'pg'));
      try {
        expect(await everyRow(copy.db)).toEqual(await everyRow(pg.db));
      } finally {
        await copy.close();
      }
    } finally {
      await s3.close();
      await pg.close();
    }
  }, 120_000);
});
