/**
 * The poller Lambda's event source mapping runs for an SQS queue, over a
 * PgQueue: receive a batch, call the handler with SQS records, delete what
 * succeeded, and give the items it reported in `batchItemFailures` (or the
 * whole batch, when it throws) back for redelivery with backoff, dead-lettered
 * after `maxReceiveCount`. While a batch runs its visibility is extended (a
 * heartbeat), up to `maxVisibilityMs`, so a long transcode is not received
 * twice while it is alive.
 */
import { createHash } from 'node:crypto';
import type { SqsBatchResponse, SqsHandler, SqsRecord } from '../origin/events/types.ts';
import type { PgQueue, QueueMessage } from './pg-queue.ts';

export interface ConsumerOptions {
  handler: SqsHandler;
  batchSize?: number;
  /** Batches handled at once. @default 1 */
  concurrency?: number;
  /** @default 30 s; renewed by the heartbeat while the batch runs. */
  visibilityMs?: number;
  /** The heartbeat stops extending after this long: a hung handler's messages come back. @default 15 min */
  maxVisibilityMs?: number;
  /** First redelivery delay of a failed item; doubles on each further receive. @default 500 ms */
  retryDelayMs?: number;
  /** How often an idle consumer looks for messages (a send in this process wakes it at once). @default 500 ms */
  pollMs?: number;
  region?: string;
  log?: (line: string) => void;
}

export class QueueConsumer {
  private running = 0;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private polling: Promise<void> | undefined;
  private readonly batches = new Set<Promise<void>>();
  private readonly o: Required<Omit<ConsumerOptions, 'log'>> & Pick<ConsumerOptions, 'log'>;

  constructor(
    readonly queue: PgQueue,
    opts: ConsumerOptions,
  ) {
    this.o = {
      batchSize: 10,
      concurrency: 1,
      visibilityMs: 30_000,
      maxVisibilityMs: 15 * 60_000,
      retryDelayMs: 500,
      pollMs: 500,
      region: 'us-east-1',
      ...opts,
    };
  }

  /** Looks for messages now (after a send in this process). */
  kick(): void {
    if (this.closed || this.polling) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.polling = this.poll().finally(() => {
      this.polling = undefined;
      this.schedule();
    });
  }

  /** True while a batch is being handled. */
  get busy(): boolean {
    return this.running > 0;
  }

  /** Stops receiving and waits for running batches; their messages stay in flight for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    await Promise.allSettled([...this.batches]);
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.o.pollMs);
    this.timer.unref?.();
  }

  private async poll(): Promise<void> {
    // Yield once, so messages sent together are received together (as Lambda's poller batches).
    await new Promise((r) => setImmediate(r));
    while (!this.closed && this.running < this.o.concurrency) {
      let batch: QueueMessage[];
      try {
        batch = await this.queue.receive(this.o.batchSize, this.o.visibilityMs);
      } catch (err) {
        if (!this.closed) this.o.log?.(`queue ${this.queue.name}: receive failed: ${String(err)}`);
        return;
      }
      if (batch.length === 0) return;
      this.running += 1;
      const p: Promise<void> = this.handle(batch).finally(() => {
        this.running -= 1;
        this.batches.delete(p);
        this.kick();
      });
      this.batches.add(p);
    }
  }

  private async handle(batch: QueueMessage[]): Promise<void> {
    const started = Date.now();
    const beat = setInterval(
      () => {
        if (Date.now() - started + this.o.visibilityMs > this.o.maxVisibilityMs) return;
        this.queue.extend(this.o.visibilityMs, batch).catch(() => {});
      },
      Math.max(50, this.o.visibilityMs / 3),
    );
    let failed: Set<string>;
    try {
      const res: SqsBatchResponse = await this.o.handler({ Records: batch.map((m) => this.record(m)) });
      failed = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    } catch (err) {
      // A thrown handler fails the whole batch, as in Lambda.
      this.o.log?.(`queue ${this.queue.name}: handler threw: ${String(err)}`);
      failed = new Set(batch.map((m) => m.id));
    } finally {
      clearInterval(beat);
    }
    for (const m of batch) {
      try {
        if (!failed.has(m.id)) await this.queue.delete(m);
        // Closed mid-batch: the handler was cut short, not wrong. Left in flight, it comes back at the next start.
        else if (!this.closed) {
          const outcome = await this.queue.fail(m, this.o.retryDelayMs * 2 ** (m.receiveCount - 1));
          if (outcome === 'dead')
            this.o.log?.(`queue ${this.queue.name}: message ${m.id} moved to the dead letters after ${m.receiveCount} receives`);
        }
      } catch (err) {
        // The database went away (shutdown): the message stays in flight and is redelivered.
        this.o.log?.(`queue ${this.queue.name}: settling ${m.id} failed: ${String(err)}`);
      }
    }
  }

  private record(m: QueueMessage): SqsRecord {
    return {
      messageId: m.id,
      receiptHandle: m.receipt,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt.getTime()),
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt.getTime()),
        SenderId: 'local-queue',
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${this.o.region}:000000000000:${this.queue.name}`,
      awsRegion: this.o.region,
    };
  }
}
