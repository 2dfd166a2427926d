/**
 * The local stand-in for S3 -> EventBridge -> SQS -> Lambda: it turns the
 * storage server's ObjectCreated notifications for the raw bucket into the
 * EventBridge event AWS would emit, queues it durably in the local Postgres
 * like SQS (pg-queue.ts: at-least-once, visibility timeout, redelivery of
 * partial batch failures with backoff, dead letters after `maxReceiveCount`),
 * and calls the same handler module the Lambda runs. A message received by a
 * process that died is delivered again when the next one starts.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectCreatedEvent, SqsHandler } from '../origin/events/types.ts';
import { requeuedObjectEvent, type IngestRequeue, type RequeuedObject } from '../origin/pipeline/reconcile-requeue.ts';
import type { Database } from '../shared/db/database.ts';
import { ensureQueueSchema, PgQueue, type DeadLetter } from './pg-queue.ts';
import { QueueConsumer } from './queue-consumer.ts';
import type { S3EventRecord } from './s3-server.ts';

export interface DispatcherOptions {
  db: Database;
  /** The queue's name in the local queue table. @default 'ingest' */
  queue?: string;
  /** Only events of this bucket are forwarded (the EventBridge rule's filter). */
  bucket: string;
  handler: SqsHandler;
  region?: string;
  batchSize?: number;
  maxReceiveCount?: number;
  /** First redelivery delay; doubles on each further receive. */
  retryDelayMs?: number;
  /** @default 60 s, renewed while the handler runs */
  visibilityMs?: number;
  log?: (line: string) => void;
}

const REASONS: Record<string, ObjectCreatedEvent['detail']['reason']> = {
  'ObjectCreated:Put': 'PutObject',
  'ObjectCreated:Post': 'CompleteMultipartUpload',
  'ObjectCreated:Copy': 'CopyObject',
};

/** The EventBridge "Object Created" event for one S3 notification record. */
export function toObjectCreatedEvent(r: S3EventRecord, region = 'us-east-1'): ObjectCreatedEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: new Date(r.eventTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:s3:::${r.s3.bucket.name}`],
    detail: {
      version: '0',
      bucket: { name: r.s3.bucket.name },
      object: {
        key: r.s3.object.key,
        size: r.s3.object.size ?? 0,
        etag: (r.s3.object.eTag ?? '').replace(/"/g, ''),
        sequencer: r.s3.object.sequencer,
      },
      'request-id': randomUUID(),
      requester: '000000000000',
      reason: REASONS[r.eventName] ?? 'PutObject',
    },
  };
}

export class LocalDispatcher implements IngestRequeue {
  readonly queue: PgQueue;
  private readonly consumer: QueueConsumer;
  /** Sends started and not yet stored: idle() waits for them. */
  private sending = new Set<Promise<unknown>>();
  private closed = false;
  private paused = true;

  private constructor(private readonly o: DispatcherOptions) {
    this.queue = new PgQueue(o.db, o.queue ?? 'ingest', o.maxReceiveCount ?? 5);
    this.consumer = new QueueConsumer(this.queue, {
      handler: o.handler,
      batchSize: o.batchSize ?? 10,
      visibilityMs: o.visibilityMs ?? 60_000,
      retryDelayMs: o.retryDelayMs ?? 500,
      region: o.region ?? 'us-east-1',
      ...(o.log ? { log: o.log } : {}),
    });
  }

  /**
   * Creates the queue table if needed, makes messages a dead process had
   * received visible again, and starts delivering.
   */
  static async start(opts: DispatcherOptions, { deliver = true } = {}): Promise<LocalDispatcher> {
    await ensureQueueSchema(opts.db);
    const d = new LocalDispatcher(opts);
    const released = await d.queue.releaseOrphans();
    if (released) opts.log?.(`dispatcher: ${released} message(s) left in flight by a previous run delivered again`);
    if (deliver) d.resume();
    return d;
  }

  /** Starts delivering (after `start(opts, { deliver: false })`: queued and sent messages wait until now). */
  resume(): void {
    this.paused = false;
    this.consumer.kick();
  }

  /** Feed one storage notification; events of other buckets and removals are ignored. */
  onStorageEvent = (record: S3EventRecord): void => {
    if (this.closed || !record.eventName.startsWith('ObjectCreated:')) return;
    if (record.s3.bucket.name !== this.o.bucket) return;
    this.track(this.send(JSON.stringify(toObjectCreatedEvent(record, this.o.region)), record.s3.object.key));
  };

  /** SendMessage: queue a body for the handler (stored before this resolves). */
  async send(body: string, dedupKey?: string): Promise<void> {
    await this.queue.send(body, dedupKey ? { dedupKey } : {});
    if (!this.paused) this.consumer.kick();
  }

  /**
   * Asks for ingest of an object again unless a message for it is already
   * queued or in flight. True when queued.
   */
  async requeue(o: RequeuedObject): Promise<boolean> {
    const sent = await this.queue.sendUnlessQueued(JSON.stringify(requeuedObjectEvent(o, this.o.region ?? 'us-east-1')), o.key);
    if (sent && !this.paused) this.consumer.kick();
    return sent;
  }

  deadLetters(): Promise<DeadLetter[]> {
    return this.queue.deadLetters();
  }

  /** Resolves when nothing is being sent, queued, in flight or waiting to be redelivered. */
  async idle(pollMs = 50): Promise<void> {
    for (;;) {
      if (this.sending.size === 0 && !this.consumer.busy && (await this.queue.live()) === 0) return;
      await Promise.allSettled([...this.sending]);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.sending]);
    await this.consumer.close();
  }

  private track(p: Promise<unknown>): void {
    const t = p
      .catch((err: unknown) => this.o.log?.(`dispatcher: queueing an event failed: ${String(err)}`))
      .finally(() => this.sending.delete(t));
    this.sending.add(t);
  }
}
