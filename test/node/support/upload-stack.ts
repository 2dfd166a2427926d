/**
 * The whole local stack for the upload end-to-end suites and the upload
 * benchmark: storage, embedded Postgres, the edge in workerd and the real
 * ingest handler behind the dispatcher (so uploads go on to `ready`), on free
 * ports with a throwaway data folder, plus a registered user.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SqsHandler } from '../../../origin/events/types.ts';
import { createIngestHandler } from '../../../origin/handlers/ingest.ts';
import { startLocalStack, type LocalStack } from '../../../local/stack.ts';
import type { PipelineDeps } from '../../../origin/core/deps.ts';
import { devConfigSchema, parseConfig } from '../../../shared/config.ts';
import { S3Client } from '../../../edge/storage/s3-client.ts';

export interface UploadStack {
  stack: LocalStack;
  endpoint: string;
  /** The edge's client (presigning, multipart calls); the pipeline's SDK storage is `stack.pipeline.storage`. */
  storage: S3Client;
  raw: string;
  dataDir: string;
  /** Registers a user through the edge; returns its credentials and access token. */
  register(tag: string): Promise<{ email: string; password: string; accessToken: string; userId: string }>;
  close(): Promise<void>;
}

const quiet = { info() {}, warn() {}, error() {} };

export async function startUploadStack(opts: { ingest?: boolean } = {}): Promise<UploadStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-uploads-'));
  const config = parseConfig(devConfigSchema, { DATA_DIR: dataDir, EDGE_PORT: '0', S3_PORT: '0', PG_PORT: '0', PG_WS_PORT: '0' });
  let deps: PipelineDeps | undefined;
  const handler: SqsHandler = async (event) =>
    deps && opts.ingest !== false ? createIngestHandler(deps)(event) : { batchItemFailures: [] };
  const stack = await startLocalStack(config, { handler });
  const b = stack.bindings;
  const storage = new S3Client({
    endpoint: b.S3_ENDPOINT!,
    region: 'us-east-1',
    accessKeyId: b.S3_ACCESS_KEY_ID!,
    secretAccessKey: b.S3_SECRET_ACCESS_KEY!,
  });
  deps = {
    db: stack.postgres.handle.db,
    storage: stack.pipeline.storage,
    buckets: { raw: b.S3_BUCKET_RAW!, derivatives: b.S3_BUCKET_DERIVATIVES! },
    transcoder: { submit: async () => Promise.reject(new Error('no transcoder in this test')) },
    log: quiet,
    now: () => new Date(),
  };
  const endpoint = stack.edge.url;
  return {
    stack,
    endpoint,
    storage,
    raw: b.S3_BUCKET_RAW!,
    dataDir,
    async register(tag) {
      const email = `${tag}-${crypto.randomUUID()}@example.test`;
      const password = 'correct horse battery staple';
      const res = await fetch(`${endpoint}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password, name: tag }),
      });
      if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { accessToken: string; user: { id: string } };
      return { email, password, accessToken: body.accessToken, userId: body.user.id };
    },
    async close() {
      await stack.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** SHA-256 (hex) of a stream of chunks. */
export async function sha256OfStream(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const c of chunks) hash.update(c);
  return hash.digest('hex');
}

export const sha256OfFile = (file: string) => sha256OfStream(createReadStream(file) as AsyncIterable<Uint8Array>);

/** SHA-256 of a stored object, streamed. */
/** Either half's client: both stream `body` (a web stream at the edge, a Node stream in the origin). */
type ObjectReader = { get(bucket: string, key: string): Promise<{ body: unknown } | null> };

export async function sha256OfObject(storage: ObjectReader, bucket: string, key: string): Promise<string | null> {
  const res = await storage.get(bucket, key);
  return res ? sha256OfStream(res.body as unknown as AsyncIterable<Uint8Array>) : null;
}
