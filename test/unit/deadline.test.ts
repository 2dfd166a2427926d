/**
 * The deadline primitives: a race that names what missed, a signal that
 * aborts with it, and the stall watch on a streamed body, whose clock runs
 * only while the client waits for upstream (a slow reader never trips it).
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { deadlinesOf, edgeConfigSchema } from '../../shared/config.ts';
import { DEFAULT_DEADLINES, DeadlineError, deadlineSignal, withDeadline } from '../../shared/deadline.ts';

const never = new Promise<never>(() => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withDeadline', () => {
  it('settles as the work does when it is in time', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, 'database-query')).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('boom')), 1000, 'database-query')).rejects.toThrow('boom');
  });

  it('rejects with a DeadlineError naming the kind, and runs onExpire, when the work hangs', async () => {
    let expired = false;
    const err = await withDeadline(never, 20, 'storage-metadata', () => (expired = true)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect(err).toMatchObject({ kind: 'storage-metadata', ms: 20 });
    expect(expired).toBe(true);
  });
});

/** Holds this thread's event loop, as a CPU-bound request (a password hash) holds a Worker's isolate. */
const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

/** An echo server on its own thread: it answers while this thread is busy, as a database would. */
async function echoServer(): Promise<{ port: number; stop(): Promise<number> }> {
  const worker = new Worker(
    `const net = require('node:net'); const { parentPort } = require('node:worker_threads');
     const s = net.createServer((c) => c.on('data', (d) => c.write(d)));
     s.listen(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));`,
    { eval: true },
  );
  const port = await new Promise<number>((r) => worker.once('message', r));
  return { port, stop: () => worker.terminate() };
}

describe('withDeadline while the isolate itself is busy', () => {
  it('hears an answer that arrived during the busy spell, however long it lasted', async () => {
    const server = await echoServer();
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    try {
      const answer = new Promise<string>((r) => socket.once('data', (d) => r(String(d))));
      const waited = withDeadline(answer, 100, 'database-query');
      socket.write('ping');
      // The answer is back within a millisecond or so, but this thread only looks after 400 ms:
      // a plain 100 ms timer would be due first and fail the wait.
      busy(400);
      await expect(waited).resolves.toBe('ping');
    } finally {
      socket.destroy();
      await server.stop();
    }
  });

  it('still ends a wait that gets no answer, busy spells and all', async () => {
    const waited = withDeadline(never, 100, 'database-query').catch((e: unknown) => e);
    busy(150);
    await sleep(20);
    busy(150);
    expect(await waited).toBeInstanceOf(DeadlineError);
  });
});

describe('deadlineSignal', () => {
  it('aborts with a DeadlineError unless cleared, and follows the caller’s signal', async () => {
    const d = deadlineSignal(20, 'storage-first-byte');
    await sleep(60);
    expect(d.fired()).toBe(true);
    expect(d.signal.reason).toBeInstanceOf(DeadlineError);

    const cleared = deadlineSignal(20, 'storage-first-byte');
    cleared.clear();
    await sleep(60);
    expect(cleared.signal.aborted).toBe(false);

    const parent = new AbortController();
    const child = deadlineSignal(10_000, 'storage-first-byte', parent.signal);
    parent.abort(new Error('caller gave up'));
    expect(child.signal.aborted).toBe(true);
    expect(child.fired()).toBe(false);
    child.clear();
  });
});

describe('deadline settings', () => {
  const base = {
    S3_ENDPOINT: 'http://127.0.0.1:9000',
    S3_ACCESS_KEY_ID: 'k',
    S3_SECRET_ACCESS_KEY: 's',
    S3_BUCKET_RAW: 'raw',
    S3_BUCKET_DERIVATIVES: 'derivatives',
    DATABASE_URL: 'postgres://u:p@h/db',
    AUTH_SIGNING_KEYS: JSON.stringify({ active: 'a', keys: [{ kid: 'a', kty: 'OKP', d: 'x' }] }),
  };

  it('default to production values and can be set per kind', () => {
    expect(deadlinesOf(edgeConfigSchema.parse(base))).toEqual(DEFAULT_DEADLINES);
    expect(deadlinesOf(edgeConfigSchema.parse({ ...base, DEADLINE_DB_QUERY_MS: '2500' }))['database-query']).toBe(2500);
  });

  it('refuse a deadline of zero or an absurd one', () => {
    expect(edgeConfigSchema.safeParse({ ...base, DEADLINE_STORAGE_FIRST_BYTE_MS: '0' }).success).toBe(false);
    expect(edgeConfigSchema.safeParse({ ...base, DEADLINE_DB_CONNECT_MS: '999999999' }).success).toBe(false);
  });
});
