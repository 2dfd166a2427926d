/**
 * Deadlines on a @neondatabase/serverless Pool: getting a connection and
 * every query. A query that misses its deadline condemns its connection: it
 * is ended at once (Postgres rolls back whatever transaction was open on it
 * when the connection goes) and every later query on it fails fast, so a
 * transaction whose deadline fired can never reach COMMIT. drizzle's
 * transaction wrapper then fails its ROLLBACK at once and releases the
 * client, which the pool discards instead of reusing.
 *
 * A database that refuses or drops the connection is a
 * DependencyUnavailableError (a 503 at the edge), told apart by type and
 * SQLSTATE, never by message text: see {@link unreachable}.
 */
import { DatabaseError, type Pool, type PoolClient } from '@neondatabase/serverless';
import { DeadlineError, DependencyUnavailableError, withDeadline } from '../deadline.ts';

export interface PoolDeadlines {
  connectMs: number;
  queryMs: number;
}

type Query = (...args: unknown[]) => Promise<unknown>;

/**
 * Puts deadlines on `pool` in place (it stays a Pool: drizzle recognises a
 * pool by `instanceof` to open a dedicated client per transaction).
 */
export function applyPoolDeadlines(pool: Pool, deadlines: PoolDeadlines): Pool {
  const connect = pool.connect.bind(pool) as (cb?: unknown) => Promise<PoolClient> | void;

  const connectWithin = async (): Promise<PoolClient> => {
    const pending = connect() as Promise<PoolClient>;
    const client = await withDeadline(pending, deadlines.connectMs, 'database-connect', () => {
      // The connection may still open later: discard it then.
      pending.then((late) => late.release(true)).catch(() => {});
    }).catch((err: unknown) => {
      // Anything but the server's own refusal of our login (wrong password: a misconfiguration) is the database out of reach.
      throw err instanceof DeadlineError || (err instanceof DatabaseError && !unreachable(err))
        ? err
        : new DependencyUnavailableError('database', err);
    });
    return guard(client, deadlines.queryMs);
  };

  const patched = pool as unknown as { connect: unknown; query: unknown };
  // The callback form is the pool's own (pg-pool calls it internally); callers use the promise form.
  patched.connect = (cb?: unknown) => (typeof cb === 'function' ? connect(cb) : connectWithin());
  // A pool-level query borrows a guarded client for one statement.
  patched.query = async (...args: unknown[]) => {
    if (args.some((a) => typeof a === 'function')) throw new TypeError('callback queries are not supported; use the promise form');
    const client = await connectWithin();
    try {
      return await (client.query as unknown as Query)(...args);
    } finally {
      client.release();
    }
  };
  return pool;
}

const unguarded = new WeakMap<PoolClient, Query>();

/**
 * Gives each query of `client` the deadline; after a miss the client is
 * condemned. Runs at every checkout (pg-pool hands each one a new `release`),
 * always wrapping the client's own `query`, never a previous wrapper.
 */
function guard(client: PoolClient, queryMs: number): PoolClient {
  let query = unguarded.get(client);
  if (!query) {
    query = client.query.bind(client) as unknown as Query;
    unguarded.set(client, query);
  }
  const release = client.release.bind(client);
  let condemned: DeadlineError | undefined;
  (client as unknown as { query: Query }).query = (...args: unknown[]) => {
    if (condemned) return Promise.reject(condemned);
    return withDeadline(query!(...args), queryMs, 'database-query', () => {
      condemned = new DeadlineError('database-query', queryMs);
      // Ends the connection now rather than at release: no later statement
      // (COMMIT above all) may follow one whose outcome is unknown.
      release(condemned);
    }).catch((err: unknown) => {
      throw (err instanceof DatabaseError && unreachable(err)) || dropped(err) ? new DependencyUnavailableError('database', err) : err;
    });
  };
  let released = false;
  client.release = (err?: Error | boolean) => {
    if (released) return;
    released = true;
    if (!condemned) release(err);
  };
  return client;
}

/**
 * SQLSTATEs that mean "the database cannot serve you now", not "your
 * statement is wrong": connection exceptions (class 08), the server shutting
 * down or starting up (57P01-57P03), and too many connections (53300).
 */
export function unreachable(err: DatabaseError): boolean {
  const code = err.code ?? '';
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300';
}

/**
 * The connection went away under a statement (not the server's answer to
 * it): pg's "Connection terminated unexpectedly", or a socket error. With a
 * pipelined start-up (DATABASE_RELAY_LOGIN) a refused login or a relay that
 * will not dial shows only here, at the first statement, not at connect.
 */
export function dropped(err: unknown): boolean {
  if (!(err instanceof Error) || err instanceof DatabaseError) return false;
  const code = (err as { code?: unknown }).code;
  return (
    /^Connection terminated/.test(err.message) ||
    (typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(code))
  );
}
