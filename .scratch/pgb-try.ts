import { sql } from 'drizzle-orm';
import ws from 'ws';
import { freePort } from '../local/ports.ts';
import { startPostgresServer } from '../local/postgres-server.ts';
import { startPgBouncer } from '../local/pgbouncer.ts';
import { startWsRelay } from '../local/ws-relay.ts';
import { openNeonDatabase } from '../shared/db/neon.ts';
const pg = await startPostgresServer({ port: await freePort() });
const b = await startPgBouncer({ target: { host: '127.0.0.1', port: pg.port }, port: await freePort(), users: { postgres: 'pw-1' } });
const relay = await startWsRelay({ port: 0, allow: [`127.0.0.1:${b.port}`] });
const conn = { wsProxy: relay.proxy, secure: false, webSocketConstructor: ws };
try {
  const good = openNeonDatabase({ url: `postgres://postgres:pw-1@127.0.0.1:${b.port}/postgres`, ...conn, max: 2 });
  console.log((await good.db.execute(sql`select current_user, inet_server_port() as p`)).rows);
  await good.db.execute(sql.raw('create database x1'));
  const x = openNeonDatabase({ url: `postgres://postgres:pw-1@127.0.0.1:${b.port}/x1`, ...conn, max: 2 });
  console.log((await x.db.execute(sql`select current_database()`)).rows);
  await x.close(); await good.close();
  const bad = openNeonDatabase({ url: `postgres://postgres:nope@127.0.0.1:${b.port}/postgres`, ...conn, max: 2 });
  await bad.db.execute(sql`select 1`).then(() => console.log('BAD: accepted'), (e) => console.log('refused', e.cause?.message));
  await bad.close();
} finally {
  await relay.close(); await b.close(); await pg.close();
}
