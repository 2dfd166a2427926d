/**
 * Postgres for the local stack: PGlite with its data under one folder, the
 * migrations applied, served over TCP (pglite-socket) and over the WebSocket
 * relay so the edge reaches it with the production driver.
 */
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { openPgliteDatabase, type PgliteHandle } from '../../shared/db/pglite.ts';
import { applyMigrations } from '../../shared/db/migrate.ts';
import { startWsRelay } from './ws-relay.ts';

export interface EmbeddedPostgres {
  handle: PgliteHandle;
  /** Connection string for drivers (TCP to the socket server). */
  url: string;
  /** `host:port/v1` of the WebSocket relay in front of it. */
  wsProxy: string;
  close(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: {
  dataDir?: string;
  port: number;
  wsPort: number;
}): Promise<EmbeddedPostgres> {
  const handle = await openPgliteDatabase(opts.dataDir);
  try {
    await applyMigrations(handle.db, 'pglite');
    const server = new PGLiteSocketServer({
      db: handle.client,
      host: '127.0.0.1',
      port: opts.port,
      // Queries are queued per connection and a transaction keeps PGlite to
      // itself until it ends, so several pooled connections are safe.
      maxConnections: 32,
    });
    await server.start();
    const port = Number(server.getServerConn().split(':').at(-1));
    const relay = await startWsRelay({ port: opts.wsPort, allow: [`127.0.0.1:${port}`, `localhost:${port}`] }).catch(
      async (err: unknown) => {
        await server.stop();
        throw err;
      },
    );
    return {
      handle,
      url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
      wsProxy: relay.proxy,
      async close() {
        await relay.close();
        await server.stop();
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
