/**
 * Debian's PgBouncer in transaction mode in front of a PostgreSQL server, as
 * RDS Proxy sits in front of RDS in AWS (issue #19, item 6): a server
 * connection belongs to a client only for one transaction, so code that
 * leans on session state across transactions (SET, named prepared
 * statements, advisory locks, LISTEN, temp tables) breaks here as it would
 * there. Clients log in with SCRAM-SHA-256 (RDS Proxy demands it); the
 * pooler logs in to the server with the password from its auth file.
 * As root, it runs as the `postgres` user (PgBouncer refuses root).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const PGBOUNCER_BIN = '/usr/sbin/pgbouncer';

export interface PgBouncer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The PostgreSQL server behind it. */
  target: { host: string; port: number };
  port: number;
  /** Role -> password: clients must prove these with SCRAM; the pooler uses them to log in upstream. */
  users: Record<string, string>;
  /** Server connections per database/user pair. @default 20 */
  poolSize?: number;
}

/** PGBOUNCER_PATH (as scripts/preflight.ts reads it), else Debian's /usr/sbin/pgbouncer, else PATH. */
export function findPgBouncer(): string | null {
  if (process.env.PGBOUNCER_PATH) return existsSync(process.env.PGBOUNCER_PATH) ? process.env.PGBOUNCER_PATH : null;
  if (existsSync(PGBOUNCER_BIN)) return PGBOUNCER_BIN;
  const which = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : null;
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

export async function startPgBouncer(opts: PgBouncerOptions): Promise<PgBouncer> {
  const bin = findPgBouncer();
  if (!bin) throw new Error('PgBouncer is not installed: `apt-get install -y pgbouncer`');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'media-pgbouncer-'));
  const asRoot = process.getuid?.() === 0;
  const userlist = Object.entries(opts.users)
    .map(([u, p]) => `${quote(u)} ${quote(p)}`)
    .join('\n');
  const ini = [
    '[databases]',
    // Any database name, on the one server (tests create a database each).
    `* = host=${opts.target.host} port=${opts.target.port}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${opts.port}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${path.join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    'max_client_conn = 2000',
    `default_pool_size = ${opts.poolSize ?? 20}`,
    'max_db_connections = 0',
    // The driver sends these at start-up; the pooler tracks a few itself and must not refuse the rest.
    'ignore_startup_parameters = extra_float_digits,options,statement_timeout,idle_in_transaction_session_timeout',
    'server_reset_query =',
    'log_connections = 0',
    'log_disconnections = 0',
    `logfile = ${path.join(dir, 'pgbouncer.log')}`,
    `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'userlist.txt'), `${userlist}\n`, { mode: 0o600 });
  await writeFile(path.join(dir, 'pgbouncer.ini'), ini, { mode: 0o600 });
  let child: ChildProcess;
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    const owner: [number, number] = [Number(ids.stdout.trim()), Number(gid.stdout.trim())];
    for (const f of ['', 'userlist.txt', 'pgbouncer.ini']) await chown(path.join(dir, f), ...owner);
    child = spawn('runuser', ['-u', 'postgres', '--', bin, path.join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  } else {
    child = spawn(bin, [path.join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  }
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  // As root the child is runuser, which does not pass signals on: stop PgBouncer by its own pid.
  const pidfile = path.join(dir, 'pgbouncer.pid');
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const close = async () => {
    const pid = Number(await readFile(pidfile, 'utf8').catch(() => '0'));
    if (pid > 0 && alive(pid)) {
      process.kill(pid, 'SIGINT');
      for (let i = 0; i < 60 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    if (!exited) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  // Ready when it accepts a TCP connection.
  const until = Date.now() + 10_000;
  for (;;) {
    if (exited) {
      await close();
      throw new Error(`pgbouncer exited at start (see its log; port ${opts.port})`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: opts.port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok && existsSync(pidfile)) break;
    if (Date.now() > until) {
      await close();
      throw new Error(`pgbouncer did not listen on ${opts.port} in time`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: '127.0.0.1', port: opts.port, close };
}
