/**
 * Postgres over @neondatabase/serverless (WebSocket), the driver the edge uses in
 * production. For self-hosted Postgres (RDS, Debian's, PGlite) the WebSocket goes
 * to a ws->TCP relay named by `wsProxy`.
 */
import { neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-serverless';
import * as schema from './schema.ts';
import { mintRelayToken, withRelayToken } from './relay-token.ts';
import type { DatabaseHandle } from './database.ts';
import { applyPoolDeadlines, type PoolDeadlines } from './deadline-pool.ts';

export interface NeonOptions {
  url: string;
  /** `host:port/v1` of a ws->TCP relay; empty for Neon's own endpoint. */
  wsProxy?: string;
  /** wss:// (true) or ws:// (false, loopback only). */
  secure?: boolean;
  /** Node has no global WebSocket before v22: pass `ws` there. */
  webSocketConstructor?: unknown;
  /** Key of the relay's caller proof (DATABASE_RELAY_KEY); each connection carries a fresh token (relay-token.ts). */
  relayKey?: string;
  /** Pool size; a Worker request needs only one or two. */
  max?: number;
  /**
   * The relay logs in itself (DATABASE_RELAY_LOGIN): pipeline start-up, a
   * placeholder password (the relay drops it; the URL's own is never sent)
   * and the first query.
   */
  relayLogin?: boolean;
  /** Deadlines on connecting and on each query (./deadline-pool.ts); none when absent. */
  deadlines?: PoolDeadlines;
}

/**
 * Opens a pooled drizzle handle. In a Worker, open one per request and close it
 * in `waitUntil`: workerd forbids sharing a socket across requests.
 */
export function openNeonDatabase(opts: NeonOptions): DatabaseHandle {
  // neonConfig is process-wide (the Pool has no per-instance WebSocket
  // settings); one deployment always passes the same values.
  if (opts.webSocketConstructor) {
    neonConfig.webSocketConstructor = opts.webSocketConstructor as typeof WebSocket;
  }
  if (opts.wsProxy) {
    const proxy = opts.wsProxy;
    const relayKey = opts.relayKey;
    neonConfig.wsProxy = (host, port) => {
      const url = `${proxy}${proxy.includes('?') ? '&' : '?'}address=${host}:${port}`;
      // Called once per new connection: every WebSocket upgrade gets its own single-use token.
      return relayKey ? withRelayToken(url, mintRelayToken(relayKey)) : url;
    };
    neonConfig.useSecureWebSocket = opts.secure ?? true;
    // A relay to plain Postgres speaks no TLS inside the socket, and SCRAM
    // authentication cannot be pipelined — unless the relay does the login.
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = opts.relayLogin ? 'password' : false;
  }
  const pool = new Pool({ connectionString: opts.relayLogin ? withoutPassword(opts.url) : opts.url, max: opts.max ?? 4 });
  // An idle client's socket error must not crash the process; the next query reports it.
  pool.on('error', () => {});
  if (opts.deadlines) applyPoolDeadlines(pool, opts.deadlines);
  const db = drizzle({ client: pool, schema });
  return { db, close: () => pool.end() };
}

/**
 * The relay logs in with its own credential and drops the client's
 * PasswordMessage, so whatever password the URL holds is replaced by a
 * placeholder (the driver needs a string to send; pipelining sends it unasked).
 */
export function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = 'relay-login';
  return u.toString();
}
