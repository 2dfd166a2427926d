/**
 * Debian's PostgreSQL started in a throwaway folder, for integration tests and
 * benchmarks that must run against the real server. As root, initdb and the
 * server run as the `postgres` user (PostgreSQL refuses to run as root).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The uid and gid of the `postgres` user. */
async function postgresIds(): Promise<[number, number]> {
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return [uid, gid];
}

export interface PostgresServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** The folder holding initdb and pg_ctl, or null when PostgreSQL is not installed. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(path.join(root, v, 'bin', 'pg_ctl'))) return path.join(root, v, 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' });
  return which.status === 0 ? path.dirname(which.stdout.trim()) : null;
}

export interface PostgresServerOptions {
  port: number;
  /**
   * The `postgres` role's password. Given, TCP logins must pass SCRAM-SHA-256
   * (as RDS Proxy demands; the socket stays trust for pg_ctl); absent, every
   * login is trusted.
   */
  password?: string;
}

export async function startPostgresServer(opts: PostgresServerOptions): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error('PostgreSQL is not installed: `apt-get install -y postgresql` (see .ci/run)');
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'media-pg-'));
  const asRoot = process.getuid?.() === 0;
  const cmd = async (file: string, args: string[]) => {
    if (asRoot) return run('runuser', ['-u', 'postgres', '--', path.join(bin, file), ...args]);
    return run(path.join(bin, file), args);
  };
  if (asRoot) await chown(dir, ...(await postgresIds()));
  const data = path.join(dir, 'data');
  const auth = ['--auth=trust'];
  if (opts.password !== undefined) {
    const pwfile = path.join(dir, 'pwfile');
    await writeFile(pwfile, `${opts.password}\n`, { mode: 0o600 });
    if (asRoot) await chown(pwfile, ...(await postgresIds()));
    auth.splice(0, 1, '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
  }
  await cmd('initdb', ['-D', data, '-U', 'postgres', ...auth, '--no-sync', '-E', 'UTF8']);
  await cmd('pg_ctl', [
    '-D',
    data,
    '-l',
    path.join(dir, 'log'),
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${opts.port} -k ${dir} -c fsync=off`,
    '-w',
    'start',
  ]);
  return {
    url:
      opts.password === undefined
        ? `postgres://postgres@127.0.0.1:${opts.port}/postgres`
        : `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/postgres`,
    host: '127.0.0.1',
    port: opts.port,
    async close() {
      await cmd('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
