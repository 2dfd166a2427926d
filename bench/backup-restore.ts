/**
 * `npm run backup` / `npm run restore` throughput on a modest data set: a
 * local stack (ingest switched off, so stored objects stay as they are) is
 * seeded with `assets` asset rows (8 derivative rows each) and `objects`
 * objects of `kib` KiB spread over both buckets; then one backup through the
 * stack's wire server and S3 API (as the CLI does), and one restore of it
 * into an empty folder. Prints rows/s and MB/s of each.
 *
 *   node --import tsx bench/backup-restore.ts [assets=2000] [objects=200] [kib=512]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ws from 'ws';
import { runBackup } from '../cli/backup-run.ts';
import { runRestore } from '../cli/restore-run.ts';
import { startLocalStack } from '../local/stack.ts';
import { devConfigSchema, parseConfig } from '../shared/config.ts';
import { openNeonDatabase } from '../shared/db/neon.ts';
import { assets, derivatives, users } from '../shared/db/schema.ts';

const nAssets = Number(process.argv[2] ?? 2000);
const nObjects = Number(process.argv[3] ?? 200);
const kib = Number(process.argv[4] ?? 512);

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-backup-'));
const config = parseConfig(devConfigSchema, {
  DATA_DIR: path.join(dir, 'live'),
  EDGE_PORT: '0',
  S3_PORT: '0',
  PG_PORT: '0',
  PG_WS_PORT: '0',
});
const stack = await startLocalStack(config, { handler: async () => ({ batchItemFailures: [] }) });
try {
  const db = stack.postgres.handle.db;
  const [u] = await db.insert(users).values({ email: 'bench@example.test', name: 'Bench', passwordHash: 'h' }).returning();
  for (let i = 0; i < nAssets; i += 250) {
    const rows = await db
      .insert(assets)
      .values(
        Array.from({ length: Math.min(250, nAssets - i) }, (_, j) => ({
          ownerId: u!.id,
          filename: `IMG_${i + j}.jpg`,
          declaredType: 'image/jpeg',
          size: 1000,
          status: 'ready' as const,
          metadata: { width: 4000, height: 3000, camera: 'Bench' },
        })),
      )
      .returning({ id: assets.id });
    const kinds = ['w320.jpg', 'w320.webp', 'w640.jpg', 'w640.webp', 'w1280.jpg', 'w1280.webp', 'w2048.jpg', 'w2048.webp'];
    await db.insert(derivatives).values(
      rows.flatMap((r) =>
        kinds.map((kind) => ({
          assetId: r.id,
          kind,
          key: `${r.id}/${kind}`,
          contentType: 'image/jpeg',
          width: 320,
          height: 240,
          size: 1000,
          status: 'ready' as const,
        })),
      ),
    );
  }
  const body = randomBytes(kib * 1024);
  const storage = stack.pipeline.storage;
  const next = Array.from({ length: nObjects }, (_, i) => i);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = next.shift(); i !== undefined; i = next.shift()) {
        await storage.put(
          i % 4 === 0 ? 'raw' : 'derivatives',
          `bench-${i}/${i % 4 === 0 ? 'original' : 'w1280.jpg'}`,
          new Uint8Array(body),
          { contentType: 'image/jpeg' },
        );
      }
    }),
  );
  await stack.dispatcher.idle();

  const handle = openNeonDatabase({
    url: stack.postgres.url,
    wsProxy: stack.postgres.wsProxy,
    secure: false,
    webSocketConstructor: ws,
    // The local relay asks for the caller proof, as the deployed one does.
    relayKey: stack.bindings.DATABASE_RELAY_KEY,
    max: 1,
  });
  const out = path.join(dir, 'backup');
  const b = await runBackup({
    db: handle.db,
    source: 'pglite',
    storage,
    buckets: { raw: 'raw', derivatives: 'derivatives' },
    out,
    log: (l) => console.error(`backup: ${l}`),
  });
  await handle.close();
  const r = await runRestore({
    from: out,
    target: path.join(dir, 'restored'),
    buckets: { raw: 'raw', derivatives: 'derivatives' },
    log: (l) => console.error(`restore: ${l}`),
  });
  const mb = b.objectBytes / 1e6;
  console.log(
    JSON.stringify(
      {
        data: { rows: b.rows, tables: b.tables, objects: b.objects, MB: Math.round(mb) },
        backup: { s: b.ms / 1000, rowsPerS: Math.round(b.rows / (b.ms / 1000)), MBps: +(mb / (b.ms / 1000)).toFixed(1) },
        restore: { s: r.ms / 1000, rowsPerS: Math.round(r.rows / (r.ms / 1000)), MBps: +(mb / (r.ms / 1000)).toFixed(1) },
      },
      null,
      1,
    ),
  );
} finally {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
}
