/**
 * The local queue's SQS semantics, on PGlite and on Debian PostgreSQL through
 * the production driver: visibility timeout and redelivery, receipts that
 * fence a late worker, receive counts, dead letters after maxReceiveCount,
 * de-duplicated re-queues, orphans released at a restart, and concurrent
 * receivers never sharing a message (FOR UPDATE SKIP LOCKED).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureQueueSchema, PgQueue } from '../../local/pg-queue.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { DRIVERS, openMigratedDatabase } from './support/test-database.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(DRIVERS)('local queue on $name', ({ driver }) => {
  let handle: DatabaseHandle;
  let n = 0;
  const queue = (max = 3) => new PgQueue(handle.db, `t${++n}`, max);

  beforeAll(async () => {
    handle = await openMigratedDatabase(driver, { max: 8 });
    await ensureQueueSchema(handle.db);
    // Idempotent: every start of the stack runs it.
    await ensureQueueSchema(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('hides a received message for its visibility timeout, then delivers it again with a higher count', async () => {
    const q = queue();
    await q.send('hello');
    const [first] = await q.receive(10, 300);
    expect(first).toMatchObject({ body: 'hello', receiveCount: 1 });
    expect(await q.receive(10, 300)).toEqual([]);
    await sleep(400);
    const [again] = await q.receive(10, 300);
    expect(again).toMatchObject({ id: first!.id, receiveCount: 2 });
    expect(again!.receipt).not.toBe(first!.receipt);
    // The first receiver's receipt is stale: it neither deletes nor extends.
    expect(await q.delete(first!)).toBe(false);
    expect(await q.delete(again!)).toBe(true);
    expect(await q.live()).toBe(0);
  });

  it('holds back a delayed message until its delay has passed', async () => {
    const q = queue();
    await q.send('later', { delayMs: 300 });
    expect(await q.receive(1, 1000)).toEqual([]);
    await sleep(400);
    expect((await q.receive(1, 1000)).map((m) => m.body)).toEqual(['later']);
  });

  it('retries a failed message after its backoff and dead-letters it on the last receive', async () => {
    const q = queue(2);
    await q.send('poison');
    const [m1] = await q.receive(1, 60_000);
    expect(await q.fail(m1!, 50, 'first')).toBe('retry');
    expect(await q.receive(1, 60_000)).toEqual([]);
    await sleep(100);
    const [m2] = await q.receive(1, 60_000);
    expect(m2!.receiveCount).toBe(2);
    expect(await q.fail(m2!, 50, 'second')).toBe('dead');
    await sleep(100);
    expect(await q.receive(1, 60_000)).toEqual([]);
    expect(await q.deadLetters()).toEqual([{ id: m1!.id, body: 'poison', receiveCount: 2, error: 'second' }]);
    expect(await q.live()).toBe(0);
  });

  it('dead-letters a message whose receiver died on its last receive (a crash loop) instead of delivering it again', async () => {
    const q = queue(1);
    await q.send('kills its worker');
    await q.receive(1, 50);
    await sleep(100);
    expect(await q.receive(1, 50)).toEqual([]);
    expect((await q.deadLetters()).map((d) => [d.body, d.error])).toEqual([['kills its worker', 'maxReceiveCount reached']]);
  });

  it('extends the visibility of a message still held', async () => {
    const q = queue();
    await q.send('long job');
    const [m] = await q.receive(1, 200);
    await q.extend(1000, [m!]);
    await sleep(300);
    expect(await q.receive(1, 200)).toEqual([]);
  });

  it('makes what an earlier process received visible at once for the next one', async () => {
    const name = `t${++n}`;
    const dead = new PgQueue(handle.db, name);
    await dead.send('in flight when killed');
    await dead.receive(1, 600_000);
    const next = new PgQueue(handle.db, name);
    expect(await next.releaseOrphans()).toBe(1);
    expect((await next.receive(1, 1000)).map((m) => [m.body, m.receiveCount])).toEqual([['in flight when killed', 2]]);
    // Its own messages are not orphans.
    expect(await next.releaseOrphans()).toBe(0);
  });

  it('sends a re-queue only while no live message has the same key', async () => {
    const q = queue();
    expect(await q.sendUnlessQueued('a', 'k1')).toBe(true);
    expect(await q.sendUnlessQueued('a again', 'k1')).toBe(false);
    expect(await q.sendUnlessQueued('b', 'k2')).toBe(true);
    const got = await q.receive(10, 1000);
    expect(got.map((m) => m.body).sort()).toEqual(['a', 'b']);
    // In flight still counts as queued; once deleted the key is free.
    expect(await q.sendUnlessQueued('a again', 'k1')).toBe(false);
    for (const m of got) await q.delete(m);
    expect(await q.sendUnlessQueued('a again', 'k1')).toBe(true);
  });

  it('never hands one message to two concurrent receivers', async () => {
    const q = queue();
    for (let i = 0; i < 40; i++) await q.send(`m${i}`);
    const receivers = Array.from({ length: 4 }, () => new PgQueue(handle.db, q.name, 3));
    const seen: string[] = [];
    await Promise.all(
      receivers.map(async (r) => {
        for (;;) {
          const batch = await r.receive(3, 60_000);
          if (batch.length === 0) return;
          seen.push(...batch.map((m) => m.body));
          for (const m of batch) expect(await r.delete(m)).toBe(true);
        }
      }),
    );
    expect(seen.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`).sort());
    expect(await q.live()).toBe(0);
  });
});
