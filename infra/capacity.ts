/**
 * The sizing arithmetic behind the pipeline's limits, in one place so a test
 * can hold the numbers together (test/infra/capacity.test.ts) and
 * docs/deploy.md can quote them: how long one ingest message may take, and
 * how many Postgres connections each part may hold.
 */

/** Largest original the upload API accepts (DESIGN: up to 5 GB). */
export const MAX_ORIGINAL_BYTES = 5 * 1024 ** 3;
/**
 * Streaming read + SHA-256 of an original, measured here: a 5 GB original
 * took ~110 s (~47 MiB/s). Lambda with 2 GB memory reading S3 in-region is
 * of the same order; the margin below covers a slower run.
 */
export const HASH_BYTES_PER_SECOND = MAX_ORIGINAL_BYTES / 110;
/** Everything else one message costs at worst: sniffing, metadata, an image's derivatives or a MediaConvert hand-off, DB writes. */
export const PER_MESSAGE_OVERHEAD_SECONDS = 60;
/** Safety factor over the worst case (cold start, S3 slowness, a busy proxy). */
export const INGEST_SAFETY_FACTOR = 1.5;
/**
 * One message per invocation: a batch of large originals would run them back
 * to back and a timeout would retry every message of the batch, good ones too.
 */
export const INGEST_BATCH_SIZE = 1;

/** Worst-case seconds of one ingest invocation. */
export function ingestWorstCaseSeconds(batchSize = INGEST_BATCH_SIZE): number {
  return batchSize * (MAX_ORIGINAL_BYTES / HASH_BYTES_PER_SECOND + PER_MESSAGE_OVERHEAD_SECONDS);
}

/** The ingest Lambda's timeout: the worst case times the safety factor, rounded up to a minute. */
export function ingestTimeoutSeconds(batchSize = INGEST_BATCH_SIZE): number {
  return Math.ceil((ingestWorstCaseSeconds(batchSize) * INGEST_SAFETY_FACTOR) / 60) * 60;
}

/** Pool size of every Lambda (origin/handlers/runtime.ts opens `max: 2`). */
export const CONNECTIONS_PER_LAMBDA = 2;
/** Pool size of one Worker request (edge/middleware/services.ts opens `max: 2`). */
export const CONNECTIONS_PER_EDGE_REQUEST = 2;

/** Memory (GiB) of the burstable classes this stack uses. */
const INSTANCE_MEMORY_GIB: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8 };

/**
 * RDS for PostgreSQL's default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000).
 * DBInstanceClassMemory is a little below the class's RAM (the OS keeps some),
 * so this is an upper bound; the budget below keeps 10 % of it unused.
 */
export function maxConnections(size: string): number {
  const gib = INSTANCE_MEMORY_GIB[size];
  if (gib === undefined) throw new Error(`capacity: unknown instance size ${size}`);
  return Math.min(Math.floor((gib * 1024 ** 3) / 9_531_392), 5000);
}

/** The ingest queue's maximum concurrency by instance size (SQS event source; 2 is the minimum AWS allows). */
export const INGEST_MAX_CONCURRENCY: Record<string, number> = { micro: 4, small: 10, medium: 20, large: 40 };

export interface ConnectionBudget {
  instanceSize: string;
  maxConnections: number;
  /** What the RDS Proxy may open (maxConnectionsPercent). */
  proxyLimit: number;
  /** RDS keeps 3 for rdsadmin; migrations and the rotation function take one each. */
  reserved: number;
  ingest: number;
  /** Completion handler: one invocation per finished MediaConvert job, bounded by the queue's 20 concurrent jobs. */
  complete: number;
  /** Scheduled, one at a time each. */
  sweeper: number;
  /** The webhooks dispatcher: every minute, its 55 s timeout ends a run before the next starts. */
  webhooks: number;
  purge: number;
  /** What is left for the Worker's requests, in connections and in concurrent DB-bound requests. */
  edge: number;
  edgeConcurrentRequests: number;
}

/** MediaConvert's default concurrent jobs per on-demand queue. */
export const MEDIACONVERT_CONCURRENT_JOBS = 20;

export function connectionBudget(size: string, proxyPercent: number): ConnectionBudget {
  const max = maxConnections(size);
  const proxyLimit = Math.floor((max * 0.9 * proxyPercent) / 100);
  const reserved = 3 + 1 + 1;
  const ingest = INGEST_MAX_CONCURRENCY[size]! * CONNECTIONS_PER_LAMBDA;
  const complete = MEDIACONVERT_CONCURRENT_JOBS * CONNECTIONS_PER_LAMBDA;
  const sweeper = CONNECTIONS_PER_LAMBDA;
  const purge = CONNECTIONS_PER_LAMBDA;
  const webhooks = CONNECTIONS_PER_LAMBDA;
  const edge = proxyLimit - reserved - ingest - complete - sweeper - webhooks - purge;
  return {
    instanceSize: size,
    maxConnections: max,
    proxyLimit,
    reserved,
    ingest,
    complete,
    sweeper,
    webhooks,
    purge,
    edge,
    edgeConcurrentRequests: Math.floor(edge / CONNECTIONS_PER_EDGE_REQUEST),
  };
}
