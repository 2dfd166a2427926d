/**
 * Database deadlines with the production driver (@neondatabase/serverless
 * over the WebSocket relay) against Debian's PostgreSQL, with a TCP proxy in
 * front of the relay that freezes: connecting and each query get a deadline,
 * and a transaction whose deadline fires is never committed, even when the
 * bytes held during the outage are delivered after it.
 */
import { sql } from 'drizzle-orm';
import ws from 'ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { missedDeadline } from '../../edge/errors.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { DEFAULT_DEADLINES } from '../../shared/deadline.ts';
import { startFreezableProxy, type FreezableProxy } from './support/freezable-proxy.ts';

const deadlines = { connectMs: DEFAULT_DEADLINES['database-connect'], queryMs: DEFAULT_DEADLINES['database-query'] };
const table = `deadline_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
let proxy: FreezableProxy;
let checker: DatabaseHandle;
const opened: DatabaseHandle[] = [];

// neonConfig.wsProxy is process-wide, so every handle here goes through the
// proxy; the checker has no deadlines and is used only while it is thawed.
const connection = (app: string) => ({
  // Direct, not through the pooler: the test watches the server session itself end (pg_stat_activity).
  url: `${inject('pgDirectUrl')}?application_name=${app}`,
  wsProxy: `127.0.0.1:${proxy.port}/v1`,
  secure: false,
  webSocketConstructor: ws,
});

function guarded(app: string): DatabaseHandle {
  const handle = openNeonDatabase({ ...connection(app), deadlines });
  opened.push(handle);
  return handle;
}

const rowsOf = async (q: ReturnType<typeof sql>) => ((await checker.db.execute(q)) as unknown as { rows: Record<string, unknown>[] }).rows;

async function idsIn(...ids: number[]): Promise<number[]> {
  const rows = await rowsOf(sql`select id from ${sql.identifier(table)} where id in ${sql.raw(`(${ids.join(',')})`)} order by id`);
  return rows.map((r) => Number(r.id));
}

/** Waits (bounded) until no backend of `app` is left: its session, and so its transaction, has ended. */
async function sessionsGone(app: string): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    const [row] = await rowsOf(sql`select count(*)::int as n from pg_stat_activity where application_name = ${app}`);
    if (row!.n === 0) return;
    if (Date.now() > until) throw new Error(`sessions of ${app} still open`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const [host, port] = inject('pgWsProxy').split('/')[0]!.split(':');
  proxy = await startFreezableProxy({ host: host!, port: Number(port) });
  checker = openNeonDatabase(connection('deadline-checker'));
  await checker.db.execute(sql.raw(`create table ${table} (id int primary key)`));
});

afterAll(async () => {
  proxy?.thaw();
  await checker?.db.execute(sql.raw(`drop table if exists ${table}`));
  for (const h of opened) await h.close().catch(() => {});
  await checker?.close();
  await proxy?.close();
});

describe('database deadlines through a frozen relay', () => {
  it('commits a transaction that meets its deadlines (the control)', async () => {
    const { db } = guarded('deadline-control');
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into ${sql.identifier(table)} values (1)`);
      await tx.execute(sql`insert into ${sql.identifier(table)} values (2)`);
    });
    expect(await idsIn(1, 2)).toEqual([1, 2]);
  });

  it('never commits a transaction whose query deadline fired mid-way, even when the held bytes arrive later', async () => {
    const app = 'deadline-frozen-tx';
    const { db } = guarded(app);
    const started = Date.now();
    const failure = await db
      .transaction(async (tx) => {
        await tx.execute(sql`insert into ${sql.identifier(table)} values (10)`);
        proxy.freeze();
        await tx.execute(sql`insert into ${sql.identifier(table)} values (11)`);
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    const waited = Date.now() - started;
    expect(missedDeadline(failure)).toMatchObject({ kind: 'database-query', ms: deadlines.queryMs });
    // The transaction gave up while the proxy was still frozen: after the query deadline, not whenever the outage ends.
    expect(waited).toBeGreaterThanOrEqual(deadlines.queryMs - 50);
    proxy.thaw();
    // The second INSERT and the connection's end reach Postgres only now; the session ends without COMMIT.
    await sessionsGone(app);
    expect(await idsIn(10, 11)).toEqual([]);
  });

  it('gives up connecting after the connect deadline, and the same pool works again after the thaw', async () => {
    const { db } = guarded('deadline-frozen-connect');
    proxy.freeze();
    const failure = await db.execute(sql`select 1`).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(missedDeadline(failure)).toMatchObject({ kind: 'database-connect' });
    proxy.thaw();
    await db.execute(sql`insert into ${sql.identifier(table)} values (20)`);
    expect(await idsIn(20)).toEqual([20]);
  });

  it('discards a condemned connection: the pool answers the next query on a new one', async () => {
    const { db } = guarded('deadline-condemned');
    await db.execute(sql`select 1`);
    proxy.freeze();
    const failure = await db.execute(sql`insert into ${sql.identifier(table)} values (30)`).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(missedDeadline(failure)).toMatchObject({ kind: 'database-query' });
    proxy.thaw();
    const rows = (await db.execute(sql`select 41 as n`)) as unknown as { rows: { n: number }[] };
    expect(rows.rows).toEqual([{ n: 41 }]);
  });
});
