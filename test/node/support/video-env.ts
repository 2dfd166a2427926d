/**
 * What the video, sweeper and purge suites share: a migrated database
 * (PGlite, or a fresh database on the global setup's Debian PostgreSQL via
 * the production driver), the real SigV4-verifying S3 server, a settable
 * clock, and PipelineDeps built from them.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { inject } from 'vitest';
import type { Logger, PipelineDeps, VideoJobRequest, VideoTranscoder } from '../../../origin/core/deps.ts';
import type { Database, DatabaseHandle } from '../../../shared/db/database.ts';
import { assets, derivatives, jobs, users } from '../../../shared/db/schema.ts';
import { type OriginStorage, openStorage } from '../../../origin/core/storage.ts';
import { openMigratedDatabase, type Driver } from './test-database.ts';

export { DRIVERS, type Driver } from './test-database.ts';

export const openDb = (driver: Driver): Promise<DatabaseHandle> => openMigratedDatabase(driver);

let storage: OriginStorage | undefined;

/** The pipeline's storage (the AWS SDK) on the real local S3 server; one client per test file. */
export const s3 = (): OriginStorage => {
  storage ??= openStorage({ endpoint: inject('s3Endpoint'), region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  return storage;
};

export type Lines = { level: string; msg: string; fields?: Record<string, unknown> }[];

export function memoryLogger(): Logger & { lines: Lines } {
  const lines: Lines = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, ...(fields ? { fields } : {}) });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** A clock tests move by hand. */
export function clock(start = new Date('2030-01-01T00:00:00Z')) {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms), set: (d: Date) => void (t = d.getTime()) };
}

/** A VideoTranscoder that records requests (or fails with `error`). */
export function recordingTranscoder(error?: Error): VideoTranscoder & { requests: VideoJobRequest[] } {
  const requests: VideoJobRequest[] = [];
  return {
    requests,
    async submit(job) {
      requests.push(job);
      if (error) throw error;
      return { externalId: `resubmitted-${requests.length}` };
    },
  };
}

export function makeDeps(db: Database, overrides: Partial<PipelineDeps> = {}): PipelineDeps & { log: Logger & { lines: Lines } } {
  return {
    db,
    storage: s3(),
    buckets: { raw: 'raw', derivatives: 'derivatives' },
    transcoder: recordingTranscoder(),
    log: memoryLogger(),
    now: () => new Date(),
    ...overrides,
  } as PipelineDeps & { log: Logger & { lines: Lines } };
}

export async function createAsset(db: Database, values: Partial<typeof assets.$inferInsert> = {}): Promise<string> {
  const [u] = await db
    .insert(users)
    .values({ email: `v${randomUUID()}@example.test`, name: 'Owner', passwordHash: 'x' })
    .returning({ id: users.id });
  const [a] = await db
    .insert(assets)
    .values({ ownerId: u!.id, filename: 'clip.mp4', declaredType: 'video/mp4', size: 1, status: 'processing', ...values })
    .returning({ id: assets.id });
  return a!.id;
}

export async function createJob(db: Database, values: typeof jobs.$inferInsert): Promise<string> {
  const [j] = await db.insert(jobs).values(values).returning({ id: jobs.id });
  return j!.id;
}

export async function assetRow(db: Database, id: string) {
  const [row] = await db.select().from(assets).where(eq(assets.id, id));
  return row;
}

export async function jobRow(db: Database, id: string) {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
  return row;
}

export async function derivativeRows(db: Database, assetId: string) {
  return db.select().from(derivatives).where(eq(derivatives.assetId, assetId)).orderBy(derivatives.kind);
}

export async function jobOf(db: Database, assetId: string, type: string) {
  const [row] = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.assetId, assetId), eq(jobs.type, type)));
  return row;
}

/** Keys under `prefix` in a bucket. */
export async function keysUnder(client: OriginStorage, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of client.list(bucket, prefix)) keys.push(o.key);
  return keys.sort();
}

/** An object's bytes (test-sized objects only); throws when it is missing. */
export async function objectBytes(client: OriginStorage, bucket: string, key: string): Promise<Buffer> {
  const res = await client.get(bucket, key);
  if (!res) throw new Error(`no object ${bucket}/${key}`);
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
