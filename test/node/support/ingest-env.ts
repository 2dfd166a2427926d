/**
 * What the ingest suites share: a migrated database (PGlite, or a fresh
 * database on the Debian PostgreSQL of the global setup), the real S3 server,
 * PipelineDeps built from them, and helpers to create assets, upload
 * originals and deliver the SQS message AWS would.
 */
import { createHash, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { inject } from 'vitest';
import type { SqsEvent, SqsRecord } from '../../../origin/events/types.ts';
import { createIngestHandler } from '../../../origin/handlers/ingest.ts';
import type { Logger, PipelineDeps, VideoJobRequest, VideoTranscoder } from '../../../origin/core/deps.ts';
import type { Database, DatabaseHandle } from '../../../shared/db/database.ts';
import { assets, derivatives, jobs, users } from '../../../shared/db/schema.ts';
import { originalKey } from '../../../shared/storage/keys.ts';
import { type OriginStorage, openStorage } from '../../../origin/core/storage.ts';
import { openMigratedDatabase, type Driver } from './test-database.ts';

export type { Driver } from './test-database.ts';

export const openTestDatabase = (driver: Driver): Promise<DatabaseHandle> => openMigratedDatabase(driver);

let storage: OriginStorage | undefined;

/** The pipeline's storage (the AWS SDK) on the real local S3 server; one client per test file. */
export function testStorage(): OriginStorage {
  storage ??= openStorage({ endpoint: inject('s3Endpoint'), region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  return storage;
}

/** A logger that keeps its lines, for assertions and for reading a failure. */
export function memoryLogger(): Logger & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, ...(fields ? { fields } : {}) });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** Our own VideoTranscoder interface, recording what it was asked to do. */
export function recordingTranscoder(): VideoTranscoder & { requests: VideoJobRequest[] } {
  const requests: VideoJobRequest[] = [];
  return {
    requests,
    async submit(job) {
      requests.push(job);
      return { externalId: `local-${requests.length}` };
    },
  };
}

export function makeDeps(db: Database, overrides: Partial<PipelineDeps> = {}): PipelineDeps & { log: ReturnType<typeof memoryLogger> } {
  return {
    db,
    storage: testStorage(),
    buckets: { raw: 'raw', derivatives: 'derivatives' },
    transcoder: recordingTranscoder(),
    log: memoryLogger(),
    now: () => new Date(),
    ...overrides,
  } as PipelineDeps & { log: ReturnType<typeof memoryLogger> };
}

export async function createUser(db: Database): Promise<string> {
  const [u] = await db
    .insert(users)
    .values({ email: `u${randomUUID()}@example.test`, name: 'Uploader', passwordHash: 'x' })
    .returning({ id: users.id });
  return u!.id;
}

export interface NewAsset {
  bytes: Uint8Array;
  filename?: string;
  declaredType?: string;
  /** Recorded size; the byte length unless given. */
  size?: number;
  /** Recorded SHA-256 (hex or base64); `true` records the real one; absent records none. */
  sha256?: string | true;
}

/** Creates the asset row as the upload API would and puts its original into the raw bucket. */
export async function uploadAsset(deps: PipelineDeps, ownerId: string, a: NewAsset): Promise<string> {
  const sha = a.sha256 === true ? createHash('sha256').update(a.bytes).digest('hex') : a.sha256;
  const [row] = await deps.db
    .insert(assets)
    .values({
      ownerId,
      filename: a.filename ?? 'upload.bin',
      declaredType: a.declaredType ?? 'application/octet-stream',
      size: a.size ?? a.bytes.length,
      ...(sha ? { sha256: sha } : {}),
    })
    .returning({ id: assets.id });
  const id = row!.id;
  await deps.storage.put(deps.buckets.raw, originalKey(id), a.bytes as Uint8Array<ArrayBuffer>, { contentLength: a.bytes.length });
  return id;
}

let seq = 0;

/** The SQS record Lambda receives for an S3 "Object Created" event of `key`. */
export function objectCreatedRecord(
  key: string,
  size: number,
  opts: { bucket?: string; receiveCount?: number; messageId?: string; etag?: string; versionId?: string } = {},
): SqsRecord {
  const bucket = opts.bucket ?? 'raw';
  const body = JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size, etag: opts.etag ?? 'e', sequencer: String(++seq), ...(opts.versionId ? { 'version-id': opts.versionId } : {}) },
      'request-id': randomUUID(),
      requester: '000000000000',
      reason: 'PutObject',
    },
  });
  return {
    messageId: opts.messageId ?? randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: String(opts.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      SenderId: 'AROA',
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ingest',
    awsRegion: 'us-east-1',
  };
}

/** Delivers one message for an asset's original through the real handler; returns the ids to retry. */
export async function deliver(
  deps: PipelineDeps,
  assetId: string,
  size: number,
  opts: { receiveCount?: number; messageId?: string; etag?: string; versionId?: string } = {},
) {
  const event: SqsEvent = { Records: [objectCreatedRecord(originalKey(assetId), size, opts)] };
  const res = await createIngestHandler(deps)(event);
  return res.batchItemFailures.map((f) => f.itemIdentifier);
}

export async function assetRow(db: Database, id: string) {
  const [row] = await db.select().from(assets).where(eq(assets.id, id));
  return row!;
}

export async function derivativeRows(db: Database, id: string) {
  return db.select().from(derivatives).where(eq(derivatives.assetId, id)).orderBy(derivatives.kind);
}

export async function jobRow(db: Database, assetId: string, type: string) {
  const [row] = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.assetId, assetId), eq(jobs.type, type)));
  return row;
}

/** Keys under the asset's folder in the derivatives bucket. */
export async function storedKeys(deps: PipelineDeps, assetId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of deps.storage.list(deps.buckets.derivatives, `${assetId}/`)) keys.push(o.key);
  return keys.sort();
}

/** Reads an object fully (test-sized objects only). */
export async function readObject(deps: PipelineDeps, bucket: string, key: string): Promise<Buffer> {
  const res = await deps.storage.get(bucket, key);
  if (!res) throw new Error(`no object ${bucket}/${key}`);
  const chunks: Buffer[] = [];
  for await (const chunk of res.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
