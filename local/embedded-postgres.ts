/**
 * Postgres for the local stack: PGlite with its data under one folder, the
 * migrations applied, served over TCP (our wire server, one request cycle at
 * a time) and over the WebSocket relay so the edge reaches it with the
 * production driver.
 */
import { openPgliteDatabase, type PgliteHandle } from '../shared/db/pglite.ts';
import { applyMigrations } from '../shared/db/migrate.ts';
import { startPgliteWireServer } from './pglite-wire-server.ts';
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
  /** Demand the relay's caller proof (DATABASE_RELAY_KEY) on the WebSocket relay. */
  relayKey?: string;
}): Promise<EmbeddedPostgres> {
  const handle = await openPgliteDatabase(opts.dataDir);
  try {
    await applyMigrations(handle.db, 'pglite');
    // Not @electric-sql/pglite-socket: it interleaves the extended-protocol
    // messages of concurrent connections in PGlite's one session
    // (pglite-wire-server.ts). An edge request opens its own connection, so
    // 50 concurrent clients need more than 50.
    const server = await startPgliteWireServer(handle.client, { host: '127.0.0.1', port: opts.port, maxConnections: 256 });
    const port = server.port;
    const relay = await startWsRelay({
      port: opts.wsPort,
      allow: [`127.0.0.1:${port}`, `localhost:${port}`],
      // As in AWS, the relay logs in for the edge's role, so the edge pipelines its start-up.
      login: { user: 'postgres', password: 'postgres' },
      ...(opts.relayKey ? { key: opts.relayKey } : {}),
    }).catch(async (err: unknown) => {
      await server.close();
      throw err;
    });
    return {
      handle,
      url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
      wsProxy: relay.proxy,
      async close() {
        await relay.close();
        await server.close();
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
