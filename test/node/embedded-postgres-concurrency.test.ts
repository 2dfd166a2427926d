/**
 * The local stack's embedded Postgres under concurrent connections, through
 * the path the edge uses: @neondatabase/serverless -> WebSocket relay -> the
 * PGlite wire server. PGlite is one backend session, so each connection must
 * have it to itself for a whole request cycle (Parse … Sync, or a simple
 * Query) and for a whole transaction; interleaved extended-protocol messages
 * answer another statement's parameters ("bind message supplies 7 parameters,
 * but prepared statement requires 3").
 */
import net from 'node:net';
import { sql } from 'drizzle-orm';
import ws from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../shared/db/database.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../local/embedded-postgres.ts';

const WORKERS = 48;
const ROUNDS = 4;

let pg: EmbeddedPostgres;

async function rows<T>(db: Database, q: ReturnType<typeof sql>): Promise<T[]> {
  return ((await db.execute(q)) as unknown as { rows: T[] }).rows;
}

/** Like an edge request: a pool of its own, a few queries, closed at the end. */
async function request(worker: number, round: number): Promise<void> {
  const handle = openNeonDatabase({ url: pg.url, wsProxy: pg.wsProxy, secure: false, webSocketConstructor: ws, max: 2 });
  const { db } = handle;
  try {
    const a = worker * 1000 + round;
    // 1, 3 and 7 parameters: each Bind must meet its own Parse.
    const [one] = await rows<{ v: number }>(db, sql`select ${a}::int + 1 as v`);
    expect(one?.v).toBe(a + 1);
    const [three] = await rows<{ v: number }>(db, sql`select ${a}::int + ${2}::int * ${3}::int as v`);
    expect(three?.v).toBe(a + 6);
    const ids = [1, 2, 3, 4, 5, 6, 7].map((i) => ((a + i) % 100) + 1);
    const [seven] = await rows<{ n: number; s: number }>(
      db,
      sql`select count(*)::int as n, sum(id)::int as s from conc_items where id in (${sql.join(
        ids.map((id) => sql`${id}::int`),
        sql`, `,
      )})`,
    );
    expect(seven).toEqual({ n: new Set(ids).size, s: [...new Set(ids)].reduce((x, y) => x + y, 0) });

    // A committed transaction: its own uncommitted row is visible inside it.
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into conc_log (worker, round, kind) values (${worker}, ${round}, ${'commit'})`);
      const [mine] = await rows<{ n: number }>(
        tx as unknown as Database,
        sql`select count(*)::int as n from conc_log where worker = ${worker} and round = ${round}`,
      );
      expect(mine?.n).toBe(1);
    });
    // A transaction that fails half way (status 'E') and is rolled back.
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`insert into conc_log (worker, round, kind) values (${worker}, ${round}, ${'rollback'})`);
        await tx.execute(sql`select 1 / (${worker} - ${worker})`);
      }),
    ).rejects.toThrow();
    const log = await rows<{ kind: string }>(
      db,
      sql`select kind from conc_log where worker = ${worker} and round = ${round} order by kind`,
    );
    expect(log).toEqual([{ kind: 'commit' }]);
  } finally {
    await handle.close();
  }
}

describe('embedded Postgres (PGlite wire server) under concurrent connections', () => {
  beforeAll(async () => {
    pg = await startEmbeddedPostgres({ port: 0, wsPort: 0 });
    await pg.handle.client.exec(`
      create table conc_items (id int primary key, label text not null);
      insert into conc_items select i, 'item ' || i from generate_series(1, 100) i;
      create table conc_log (worker int not null, round int not null, kind text not null);
    `);
  });
  afterAll(async () => pg?.close());

  it(`${WORKERS} concurrent connections with parameterized queries and transactions all get their own answers`, {
    timeout: 120_000,
  }, async () => {
    const failures: string[] = [];
    // In-process users of the same PGlite (the stack's dispatcher) run alongside.
    const inProcess = (async () => {
      for (let i = 0; i < 40; i++) {
        await pg.handle.client.transaction(async (tx) => {
          await tx.query('insert into conc_log (worker, round, kind) values ($1, $2, $3)', [-1, i, 'local']);
          const r = await tx.query<{ n: number }>('select count(*)::int as n from conc_log where worker = $1', [-1]);
          if (r.rows[0]?.n !== i + 1) failures.push(`in-process round ${i}: saw ${r.rows[0]?.n} rows`);
        });
      }
    })();
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        for (let round = 0; round < ROUNDS; round++) {
          try {
            await withTimeout(request(worker, round), 20_000);
          } catch (err) {
            const e = err as Error & { cause?: Error };
            failures.push(`worker ${worker} round ${round}: ${e.cause?.message ?? e.message}`);
          }
        }
      }),
    );
    await withTimeout(inProcess, 20_000).catch((err: Error) => failures.push(`in-process: ${err.message}`));
    // Every distinct failure, without the worker/round prefix.
    const kinds = [...new Set(failures.map((f) => f.replace(/^worker \d+ round \d+: /, '').split('\n')[0]))];
    expect(kinds, `${failures.length} failed requests`).toEqual([]);
    const counts = await pg.handle.client.query<{ kind: string; n: number }>(
      'select kind, count(*)::int as n from conc_log group by kind order by kind',
    );
    expect(counts.rows).toEqual([
      { kind: 'commit', n: WORKERS * ROUNDS },
      { kind: 'local', n: 40 },
    ]);
  });

  it('a connection that dies inside a transaction or half way through a cycle leaves nothing behind', async () => {
    // Raw wire protocol over TCP: begin, insert, then the socket just goes away.
    const inTx = await rawConnection(pg.url);
    await inTx.query('begin');
    await inTx.query("insert into conc_log (worker, round, kind) values (-2, 0, 'orphan')");
    inTx.destroy();
    // Parse and Bind with no Sync, then gone: the unnamed statement must not leak into the next cycle.
    const halfway = await rawConnection(pg.url);
    halfway.send(parseBindNoSync());
    await new Promise((r) => setTimeout(r, 50));
    halfway.destroy();

    const other = openNeonDatabase({ url: pg.url, wsProxy: pg.wsProxy, secure: false, webSocketConstructor: ws, max: 1 });
    try {
      const found = await rows<{ n: number }>(other.db, sql`select count(*)::int as n from conc_log where worker = ${-2}`);
      expect(found[0]?.n).toBe(0);
      const [v] = await rows<{ v: number }>(other.db, sql`select ${5}::int * ${7}::int as v`);
      expect(v?.v).toBe(35);
    } finally {
      await other.close();
    }
    expect(pg.handle.client.isInTransaction()).toBe(false);
  });
});

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Just enough of the frontend protocol to hold a connection in a chosen state. */
async function rawConnection(url: string) {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | null = null;
  socket.on('data', (d) => {
    buffered = Buffer.concat([buffered, d]);
    // Wait for ReadyForQuery ('Z', length 5) at the end of what arrived.
    if (buffered.length >= 6 && buffered[buffered.length - 6] === 0x5a && waiting) {
      buffered = Buffer.alloc(0);
      const w = waiting;
      waiting = null;
      w();
    }
  });
  const ready = () => new Promise<void>((resolve) => (waiting = resolve));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8 + params.length, 0);
  startup.writeInt32BE(196608, 4);
  const started = ready();
  socket.write(Buffer.concat([startup, params]));
  await started;
  return {
    send: (b: Buffer) => socket.write(b),
    async query(text: string) {
      const done = ready();
      socket.write(message('Q', Buffer.from(`${text}\0`)));
      await done;
    },
    destroy: () => socket.destroy(),
  };
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/** Parse "select $1::int, $2::int, $3::int" as the unnamed statement, Bind 3 values, no Sync. */
function parseBindNoSync(): Buffer {
  const parse = message('P', Buffer.concat([Buffer.from('\0select $1::int, $2::int, $3::int\0'), Buffer.from([0, 0])]));
  const values = ['1', '2', '3'].map((v) => {
    const len = Buffer.alloc(4);
    len.writeInt32BE(v.length, 0);
    return Buffer.concat([len, Buffer.from(v)]);
  });
  const bind = message('B', Buffer.concat([Buffer.from('\0\0'), Buffer.from([0, 0, 0, 3]), ...values, Buffer.from([0, 0])]));
  return Buffer.concat([parse, bind]);
}
