/**
 * A durable queue with SQS's semantics in the local Postgres, so a kill -9 of
 * the local stack loses no message: SendMessage is an insert; ReceiveMessage
 * takes visible rows with `FOR UPDATE SKIP LOCKED`, counts the receive and
 * hides them for a visibility timeout under a fresh receipt handle;
 * DeleteMessage and ChangeMessageVisibility need that receipt; a message seen
 * `maxReceiveCount` times without being deleted moves to the dead letters.
 *
 * It stands in for SQS and is not product schema: its table lives in its own
 * schema, created here (not by the migrations) when the local stack starts.
 * Works on PGlite and on PostgreSQL alike.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../shared/db/database.ts';
import { rowsOf } from '../shared/db/sql-rows.ts';

export interface QueueMessage {
  id: string;
  body: string;
  /** Receives so far, this one included (SQS's ApproximateReceiveCount). */
  receiveCount: number;
  sentAt: Date;
  firstReceivedAt: Date;
  /** Proves this receive; deleting or extending with an older one does nothing. */
  receipt: string;
}

export interface DeadLetter {
  id: string;
  body: string;
  receiveCount: number;
  error: string | null;
}

const DDL = [
  'create schema if not exists local_queue',
  `create table if not exists local_queue.messages (
    id uuid primary key,
    queue text not null,
    body text not null,
    dedup_key text,
    sent_at timestamptz not null default now(),
    visible_at timestamptz not null default now(),
    receive_count integer not null default 0,
    first_received_at timestamptz,
    receipt uuid,
    receiver text,
    dead_at timestamptz,
    error text
  )`,
  'create index if not exists messages_visible_idx on local_queue.messages (queue, visible_at) where dead_at is null',
  'create index if not exists messages_dedup_idx on local_queue.messages (queue, dedup_key) where dead_at is null',
];

/** Creates the queue's schema and table when missing; safe to call at every start. */
export async function ensureQueueSchema(db: Database): Promise<void> {
  for (const ddl of DDL) await db.execute(sql.raw(ddl));
}

const ms = (n: number) => sql`(${Math.max(0, Math.round(n))}::double precision * interval '1 millisecond')`;

interface Row {
  id: string;
  body: string;
  receive_count: number;
  sent_at: Date | string;
  first_received_at: Date | string;
  receipt: string;
}

export class PgQueue {
  /** Who receives through this instance; a restart is a new receiver. */
  readonly receiver = randomUUID();

  constructor(
    private readonly db: Database,
    readonly name: string,
    private readonly maxReceiveCount = 5,
  ) {}

  /** SendMessage (with DelaySeconds as `delayMs`). */
  async send(body: string, opts: { delayMs?: number; dedupKey?: string } = {}): Promise<string> {
    const id = randomUUID();
    await this.db.execute(sql`insert into local_queue.messages (id, queue, body, dedup_key, visible_at)
      values (${id}, ${this.name}, ${body}, ${opts.dedupKey ?? null}, now() + ${ms(opts.delayMs ?? 0)})`);
    return id;
  }

  /**
   * Sends unless a live (not dead, not deleted) message with this key is
   * queued or in flight: for re-queues that must not pile up duplicates.
   * True when sent.
   */
  async sendUnlessQueued(body: string, dedupKey: string): Promise<boolean> {
    const rows = rowsOf<{ id: string }>(
      await this.db.execute(sql`insert into local_queue.messages (id, queue, body, dedup_key)
        select ${randomUUID()}, ${this.name}, ${body}, ${dedupKey}
        where not exists (select 1 from local_queue.messages where queue = ${this.name} and dedup_key = ${dedupKey} and dead_at is null)
        returning id`),
    );
    return rows.length > 0;
  }

  /** ReceiveMessage: up to `max` visible messages, hidden for `visibilityMs`. */
  async receive(max: number, visibilityMs: number): Promise<QueueMessage[]> {
    // What SQS does on the receive after the last allowed one: move it to the dead-letter queue.
    await this.db.execute(sql`update local_queue.messages set dead_at = now(), error = coalesce(error, 'maxReceiveCount reached')
      where queue = ${this.name} and dead_at is null and visible_at <= now() and receive_count >= ${this.maxReceiveCount}`);
    const rows = rowsOf<Row>(
      await this.db.execute(sql`update local_queue.messages m
        set receive_count = m.receive_count + 1, visible_at = now() + ${ms(visibilityMs)},
            first_received_at = coalesce(m.first_received_at, now()), receipt = ${sql.raw('gen_random_uuid()')}, receiver = ${this.receiver}
        from (select id from local_queue.messages
              where queue = ${this.name} and dead_at is null and visible_at <= now()
              order by visible_at, sent_at limit ${max} for update skip locked) picked
        where m.id = picked.id
        returning m.id, m.body, m.receive_count, m.sent_at, m.first_received_at, m.receipt`),
    );
    return rows
      .map((r) => ({
        id: r.id,
        body: r.body,
        receiveCount: Number(r.receive_count),
        sentAt: new Date(r.sent_at),
        firstReceivedAt: new Date(r.first_received_at),
        receipt: r.receipt,
      }))
      .sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime());
  }

  /** DeleteMessage: false when the receipt is stale (the message was received again since). */
  async delete(m: Pick<QueueMessage, 'id' | 'receipt'>): Promise<boolean> {
    const rows = rowsOf(
      await this.db.execute(sql`delete from local_queue.messages where id = ${m.id} and receipt = ${m.receipt} returning id`),
    );
    return rows.length > 0;
  }

  /** ChangeMessageVisibility for messages still held under these receipts. */
  async extend(ms_: number, held: Pick<QueueMessage, 'id' | 'receipt'>[]): Promise<void> {
    for (const m of held) {
      await this.db.execute(sql`update local_queue.messages set visible_at = now() + ${ms(ms_)}
        where id = ${m.id} and receipt = ${m.receipt} and dead_at is null`);
    }
  }

  /**
   * A failed receive: visible again after `retryMs`, or dead-lettered when it
   * has used its receives (rather than waiting out the delay to be moved).
   */
  async fail(m: QueueMessage, retryMs: number, error?: string): Promise<'retry' | 'dead'> {
    const dead = m.receiveCount >= this.maxReceiveCount;
    await this.db.execute(sql`update local_queue.messages
      set ${dead ? sql`dead_at = now(),` : sql`visible_at = now() + ${ms(retryMs)},`} error = ${error ?? null}
      where id = ${m.id} and receipt = ${m.receipt}`);
    return dead ? 'dead' : 'retry';
  }

  /**
   * Makes messages received by an earlier process visible now. Only for the
   * one consumer of a data folder at its start (the data lock guarantees no
   * one else holds them): their receiver died, so waiting out the visibility
   * timeout would only delay recovery.
   */
  async releaseOrphans(): Promise<number> {
    const rows = rowsOf(
      await this.db.execute(sql`update local_queue.messages set visible_at = now(), receiver = null
        where queue = ${this.name} and dead_at is null and visible_at > now() and receiver is distinct from ${this.receiver}
        returning id`),
    );
    return rows.length;
  }

  /** Messages not yet deleted nor dead: visible, in flight or waiting to be retried. */
  async live(): Promise<number> {
    const [row] = rowsOf<{ n: number | string }>(
      await this.db.execute(sql`select count(*) as n from local_queue.messages where queue = ${this.name} and dead_at is null`),
    );
    return Number(row?.n ?? 0);
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const rows = rowsOf<{ id: string; body: string; receive_count: number; error: string | null }>(
      await this.db.execute(sql`select id, body, receive_count, error from local_queue.messages
        where queue = ${this.name} and dead_at is not null order by sent_at`),
    );
    return rows.map((r) => ({ id: r.id, body: r.body, receiveCount: Number(r.receive_count), error: r.error }));
  }
}
