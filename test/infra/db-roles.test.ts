/**
 * The least-privilege roles migration (shared/db/migrations/0005_least_privilege_roles.sql),
 * applied by the real migrator to PGlite and to Debian's PostgreSQL: the roles
 * exist with no password, each can do what its code does, and each is refused
 * (SQLSTATE 42501) what it must not do. Every check runs inside a transaction
 * that is rolled back, under SET LOCAL ROLE.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ws from 'ws';
import { freePort } from '../../local/ports.ts';
import { startPostgresServer, type PostgresServer } from '../../local/postgres-server.ts';
import { startWsRelay, type WsRelay } from '../../local/ws-relay.ts';
import type { DatabaseHandle } from '../../shared/db/database.ts';
import { applyMigrations } from '../../shared/db/migrate.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { openPgliteDatabase } from '../../shared/db/pglite.ts';

const U = '00000000-0000-4000-8000-000000000001';
const A = '00000000-0000-4000-8000-0000000000a1';
const SEED = [
  `insert into users (id, email, name, password_hash) values ('${U}', 'owner@example.test', 'Owner', 'h')`,
  `insert into assets (id, owner_id, filename, declared_type, size, deleted_at) values ('${A}', '${U}', 'a.jpg', 'image/jpeg', 1, now())`,
  `insert into derivatives (asset_id, kind, key, content_type) values ('${A}', 'w150.webp', 'k', 'image/webp')`,
  `insert into jobs (asset_id, type) values ('${A}', 'ingest')`,
  `insert into audit_log (action) values ('seed')`,
];

type Role = 'media_edge' | 'media_pipeline' | 'media_purge';
const ALLOWED: [Role, string][] = [
  ['media_edge', 'select email from users'],
  ['media_edge', `update assets set title = 't' where id = '${A}'`],
  ['media_edge', `delete from derivatives where asset_id = '${A}'`],
  ['media_edge', `insert into audit_log (action) values ('edge')`],
  ['media_edge', `insert into tags (owner_id, name) values ('${U}', 'x')`],
  ['media_edge', `update api_keys set revoked_at = now() where user_id = '${U}'`],
  ['media_edge', `delete from recovery_codes where user_id = '${U}'`],
  ['media_edge', 'select uploader_name, note from link_uploads'],
  ['media_edge', 'update share_links set upload_files = upload_files + 1, upload_bytes = upload_bytes + 1'],
  ['media_pipeline', `update assets set status = 'ready' where id = '${A}'`],
  ['media_pipeline', `insert into jobs (asset_id, type) values ('${A}', 'transcode')`],
  ['media_pipeline', `update derivatives set status = 'ready' where asset_id = '${A}'`],
  ['media_pipeline', `delete from rate_counters where window_start < now()`],
  ['media_pipeline', `delete from refresh_tokens where expires_at < now()`],
  ['media_pipeline', 'select lu.asset_id, sl.upload_kinds from link_uploads lu left join share_links sl on sl.id = lu.link_id'],
  // Webhooks (0009): the pipeline writes asset events to the outbox, and the dispatcher claims, records, disables.
  [
    'media_pipeline',
    `insert into webhook_deliveries (endpoint_id, message_id, event_type, payload, next_attempt_at)
     select e.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), 'asset.ready', '{}', now() from webhook_endpoints e
     where e.user_id = (select owner_id from assets where id = '${A}') and e.enabled and 'asset.ready' = any(e.event_types) returning 1`,
  ],
  [
    'media_pipeline',
    'select d.id, e.url, e.secret_sealed from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id for update of d skip locked',
  ],
  ['media_pipeline', 'update webhook_deliveries set attempts = attempts + 1, last_status = 500 returning id'],
  [
    'media_pipeline',
    `update webhook_endpoints set enabled = false, disabled_reason = 'x', disabled_at = now(), updated_at = now() where enabled returning id`,
  ],
  [
    'media_edge',
    `insert into webhook_endpoints (user_id, url, event_types, secret_sealed) values ('${U}', 'https://h.example.com/', '{asset.ready}', 'v1.x.y')`,
  ],
  ['media_edge', 'update webhook_deliveries set attempts = 0, next_attempt_at = now()'],
  ['media_purge', `select id from assets where id = '${A}' and deleted_at is not null for update`],
  ['media_purge', `delete from grants where resource_type = 'asset' and resource_id = '${A}'`],
  ['media_purge', `delete from share_links where resource_type = 'asset' and resource_id = '${A}'`],
  ['media_purge', `delete from assets where id = '${A}'`],
  ['media_purge', `insert into audit_log (action, resource_type, resource_id) values ('purge', 'asset', '${A}')`],
];
const REFUSED: [Role, string][] = [
  ['media_edge', `delete from assets where id = '${A}'`],
  ['media_edge', `update audit_log set action = 'forged'`],
  ['media_edge', 'delete from audit_log'],
  ['media_edge', 'create table public.intruder (x int)'],
  ['media_edge', 'select * from drizzle.__drizzle_migrations'],
  ['media_edge', 'create role sneaky'],
  ['media_edge', 'delete from api_keys'],
  ['media_pipeline', 'select secret_sealed from user_totp'],
  // Who dropped a file through an upload link is recorded once and never rewritten by the edge.
  ['media_edge', `update link_uploads set uploader_name = 'forged'`],
  ['media_edge', 'delete from link_uploads'],
  ['media_pipeline', 'select email from users'],
  ['media_pipeline', `update webhook_endpoints set url = 'https://evil.example.com/'`],
  ['media_pipeline', `update webhook_endpoints set secret_sealed = 'x'`],
  ['media_pipeline', 'delete from webhook_deliveries'],
  ['media_edge', 'delete from webhook_deliveries'],
  ['media_pipeline', `delete from assets where id = '${A}'`],
  ['media_pipeline', `delete from derivatives where asset_id = '${A}'`],
  ['media_pipeline', 'delete from grants'],
  ['media_pipeline', 'update share_links set revoked_at = null'],
  ['media_pipeline', 'select password_hash from share_links'],
  ['media_pipeline', `update link_uploads set uploader_name = 'x'`],
  ['media_pipeline', 'select * from audit_log'],
  ['media_purge', 'select email from users'],
  ['media_purge', `update assets set visibility = 'public' where id = '${A}'`],
  ['media_purge', `insert into assets (owner_id, filename, declared_type, size) values ('${U}', 'b', 'x/y', 1)`],
  ['media_purge', 'delete from users'],
  ['media_purge', `update audit_log set action = 'forged'`],
  ['media_purge', 'select * from audit_log'],
];

class Rollback extends Error {}

/** Runs `statement` as `role` in a rolled-back transaction; resolves 'ok' or the SQLSTATE/message of the refusal. */
async function as(db: DatabaseHandle['db'], role: Role, statement: string): Promise<string> {
  try {
    await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local role ${role}`));
      await tx.execute(sql.raw(statement));
      throw new Rollback();
    });
  } catch (err) {
    if (err instanceof Rollback) return 'ok';
    const e = err as { code?: string; cause?: { code?: string; message?: string }; message?: string };
    return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err);
  }
  return 'committed?';
}

function suite(name: string, open: () => Promise<{ handle: DatabaseHandle; driver: 'pglite' | 'neon'; close(): Promise<void> }>) {
  describe(name, () => {
    let db: DatabaseHandle['db'];
    let close: () => Promise<void> = async () => {};
    beforeAll(async () => {
      const o = await open();
      close = o.close;
      db = o.handle.db;
      await applyMigrations(db, o.driver);
      for (const s of SEED) await db.execute(sql.raw(s));
    }, 180_000);
    afterAll(async () => close());

    it('creates the three login roles without a password (rotation sets one)', async () => {
      const res = (await db.execute(
        sql.raw(
          "select rolname, rolcanlogin, rolsuper, rolcreaterole, rolpassword is null as nopw from pg_authid where rolname like 'media\\_%' order by rolname",
        ),
      )) as unknown as { rows: Record<string, unknown>[] };
      expect(res.rows).toEqual(
        ['media_edge', 'media_pipeline', 'media_purge'].map((rolname) => ({
          rolname,
          rolcanlogin: true,
          rolsuper: false,
          rolcreaterole: false,
          nopw: true,
        })),
      );
    });

    it('applies again over existing roles (a second database in the same cluster)', async () => {
      const again = (await db.execute(sql.raw("select count(*)::int as n from pg_roles where rolname = 'media_edge'"))) as unknown as {
        rows: { n: number }[];
      };
      expect(again.rows[0]!.n).toBe(1);
    });

    it.each(ALLOWED)('%s may: %s', async (role, statement) => {
      expect(await as(db, role, statement)).toBe('ok');
    });

    it.each(REFUSED)('%s is refused: %s', async (role, statement) => {
      expect(await as(db, role, statement)).toBe('42501');
    });

    it('purge deletes an asset with its derivatives and jobs by cascade, though it has no rights on them', async () => {
      const counts = await db
        .transaction(async (tx) => {
          await tx.execute(sql.raw('set local role media_purge'));
          await tx.execute(sql.raw(`delete from assets where id = '${A}'`));
          await tx.execute(sql.raw('reset role'));
          const r = (await tx.execute(
            sql.raw(
              `select (select count(*) from derivatives where asset_id = '${A}')::int as d, (select count(*) from jobs where asset_id = '${A}')::int as j`,
            ),
          )) as unknown as { rows: { d: number; j: number }[] };
          return r.rows[0];
        })
        .catch((e: unknown) => ({ error: String((e as { cause?: unknown }).cause ?? e) }));
      expect(counts).toEqual({ d: 0, j: 0 });
    });
  });
}

suite('PGlite', async () => {
  const handle = await openPgliteDatabase();
  return { handle, driver: 'pglite', close: () => handle.close() };
});

describe('Debian PostgreSQL', () => {
  let pg: PostgresServer;
  let relay: WsRelay;
  beforeAll(async () => {
    pg = await startPostgresServer({ port: await freePort() });
    relay = await startWsRelay({ port: 0, allow: [`127.0.0.1:${pg.port}`] });
  }, 180_000);
  afterAll(async () => {
    await relay?.close();
    await pg?.close();
  });
  for (const db of ['first', 'second']) {
    // Two databases in one cluster: the second migration meets roles that exist.
    suite(`database ${db}`, async () => {
      const admin = openNeonDatabase({ url: pg.url, wsProxy: relay.proxy, secure: false, webSocketConstructor: ws, max: 1 });
      await admin.db.execute(sql.raw(`create database roles_${db}`));
      await admin.close();
      const handle = openNeonDatabase({
        url: pg.url.replace(/\/postgres$/, `/roles_${db}`),
        wsProxy: relay.proxy,
        secure: false,
        webSocketConstructor: ws,
        max: 1,
      });
      return { handle, driver: 'neon', close: () => handle.close() };
    });
  }
});

describe('scripts/db-role-passwords.ts', () => {
  it('sets SCRAM passwords on Debian PostgreSQL and refuses unknown roles', async () => {
    const { parseRoleSecret, setRolePassword } = await import('../../scripts/db-role-passwords.ts');
    expect(() => parseRoleSecret('{"username":"media_admin","password":"0123456789abcdef"}')).toThrow(/expected one of/);
    expect(() => parseRoleSecret('{"username":"media_edge","password":"short"}')).toThrow(/16\+/);
    const pg = await startPostgresServer({ port: await freePort() });
    const relay = await startWsRelay({ port: 0, allow: [`127.0.0.1:${pg.port}`] });
    const handle = openNeonDatabase({ url: pg.url, wsProxy: relay.proxy, secure: false, webSocketConstructor: ws, max: 1 });
    try {
      await applyMigrations(handle.db, 'neon');
      const secret = parseRoleSecret(`{"username":"media_edge","password":"it's-a-0123456789-pw"}`);
      await setRolePassword(handle.db, secret.username, secret.password);
      const res = (await handle.db.execute(sql.raw("select rolpassword from pg_authid where rolname = 'media_edge'"))) as unknown as {
        rows: { rolpassword: string }[];
      };
      expect(res.rows[0]!.rolpassword).toMatch(/^SCRAM-SHA-256\$/);
    } finally {
      await handle.close();
      await relay.close();
      await pg.close();
    }
  }, 180_000);
});
