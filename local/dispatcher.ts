/**
 * The local stand-in for S3 -> EventBridge -> SQS -> Lambda: it turns the
 * storage server's ObjectCreated notifications for the raw bucket into the
 * EventBridge event AWS would emit, queues it like SQS (at-least-once,
 * redelivery of partial batch failures with backoff, a dead-letter list after
 * `maxReceiveCount`), and calls the same handler module the Lambda runs.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ObjectCreatedEvent, SqsBatchResponse, SqsHandler, SqsRecord } from '../origin/events/types.ts';
import type { S3EventRecord } from './s3-server.ts';

export interface DispatcherOptions {
  /** Only events of this bucket are forwarded (the EventBridge rule's filter). */
  bucket: string;
  handler: SqsHandler;
  region?: string;
  batchSize?: number;
  maxReceiveCount?: number;
  /** First redelivery delay; doubles on each further receive. */
  retryDelayMs?: number;
  log?: (line: string) => void;
}

interface Message {
  id: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
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

export class LocalDispatcher {
  readonly deadLetters: Message[] = [];
  private queue: Message[] = [];
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private running: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  private inFlight = 0;
  private closed = false;
  private readonly o: Required<Omit<DispatcherOptions, 'log'>> & Pick<DispatcherOptions, 'log'>;

  constructor(opts: DispatcherOptions) {
    this.o = { region: 'us-east-1', batchSize: 10, maxReceiveCount: 5, retryDelayMs: 500, ...opts };
  }

  /** Feed one storage notification; events of other buckets and removals are ignored. */
  onStorageEvent = (record: S3EventRecord): void => {
    if (this.closed || !record.eventName.startsWith('ObjectCreated:')) return;
    if (record.s3.bucket.name !== this.o.bucket) return;
    this.send(JSON.stringify(toObjectCreatedEvent(record, this.o.region)));
  };

  /** SendMessage: queue a body for the handler. */
  send(body: string): void {
    this.queue.push({ id: randomUUID(), body, sentAt: Date.now(), receiveCount: 0 });
    this.kick();
  }

  /** Resolves when nothing is queued, in flight or waiting to be redelivered. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.running;
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0 && this.timers.size === 0;
  }

  private kick(): void {
    if (!this.running && !this.closed) {
      // Yield once first, so messages sent together are received together
      // (Lambda's SQS poller batches what is waiting).
      this.running = new Promise<void>((r) => setImmediate(r)).then(() => this.drain()).finally(() => {
        this.running = undefined;
        if (this.queue.length && !this.closed) this.kick();
        else if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.closed) {
      const batch = this.queue.splice(0, this.o.batchSize);
      this.inFlight += batch.length;
      const now = Date.now();
      for (const m of batch) {
        m.receiveCount += 1;
        m.firstReceivedAt ??= now;
      }
      let failed: Set<string>;
      try {
        const res: SqsBatchResponse = await this.o.handler({ Records: batch.map((m) => this.record(m)) });
        failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
      } catch (err) {
        // A thrown handler fails the whole batch, as in Lambda.
        this.o.log?.(`dispatcher: handler threw: ${String(err)}`);
        failed = new Set(batch.map((m) => m.id));
      }
      this.inFlight -= batch.length;
      for (const m of batch) if (failed.has(m.id)) this.retryOrDeadLetter(m);
    }
  }

  private retryOrDeadLetter(m: Message): void {
    if (m.receiveCount >= this.o.maxReceiveCount) {
      this.deadLetters.push(m);
      this.o.log?.(`dispatcher: message ${m.id} moved to the dead-letter queue after ${m.receiveCount} receives`);
      return;
    }
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        this.queue.push(m);
        this.kick();
      },
      this.o.retryDelayMs * 2 ** (m.receiveCount - 1),
    );
    this.timers.add(t);
  }

  private record(m: Message): SqsRecord {
    return {
      messageId: m.id,
      receiptHandle: `${m.id}:${m.receiveCount}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
        SenderId: 'local-dispatcher',
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${this.o.region}:000000000000:ingest`,
      awsRegion: this.o.region,
    };
  }
}
