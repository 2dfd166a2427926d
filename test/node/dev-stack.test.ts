/**
 * `npm run dev` end to end: the real command in a child process on free
 * ports with a throwaway data folder. It must come up green, stop cleanly on
 * Ctrl-C (SIGINT), refuse a second stack on the same data, name a bad setting,
 * and restart with its data intact.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import ws from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/ports.ts';
import { openNeonDatabase } from '../../shared/db/neon.ts';
import { S3Client } from '../../edge/storage/s3-client.ts';

const root = path.resolve(import.meta.dirname, '../..');
let dataDir: string;
let env: NodeJS.ProcessEnv;
let ports: { edge: number; s3: number; pg: number; ws: number };

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startDev(extra: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/dev.ts'], {
    cwd: root,
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(r: Running, text: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!r.output().includes(text)) {
    if (r.child.exitCode !== null) throw new Error(`dev exited early:\n${r.output()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" within ${ms} ms:\n${r.output()}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const s3 = () =>
  new S3Client({ endpoint: `http://127.0.0.1:${ports.s3}`, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
// The local relay demands the caller proof; the stack hands its key to the edge through .dev.vars.
const relayKey = async () => /\nDATABASE_RELAY_KEY='([^']+)'\n/.exec(await readFile(path.join(dataDir, 'dev.vars'), 'utf8'))?.[1];
const pg = async (withKey = true) =>
  openNeonDatabase({
    url: `postgres://postgres:postgres@127.0.0.1:${ports.pg}/postgres`,
    wsProxy: `127.0.0.1:${ports.ws}/v1`,
    secure: false,
    webSocketConstructor: ws,
    ...(withKey ? { relayKey: await relayKey() } : {}),
  });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-dev-'));
  ports = { edge: await freePort(), s3: await freePort(), pg: await freePort(), ws: await freePort() };
  env = {
    ...process.env,
    DATA_DIR: dataDir,
    EDGE_PORT: String(ports.edge),
    S3_PORT: String(ports.s3),
    PG_PORT: String(ports.pg),
    PG_WS_PORT: String(ports.ws),
    // Never the developer's own .dev.vars beside wrangler.toml.
    DEV_VARS_FILE: path.join(dataDir, 'dev.vars'),
  };
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm run dev', () => {
  it('starts green, keeps data across a Ctrl-C and a restart', async () => {
    const first = startDev();
    try {
      await waitFor(first, 'local stack ready');
      expect(first.output()).toContain(`http://127.0.0.1:${ports.edge}/healthz`);
      const health = await fetch(`http://127.0.0.1:${ports.edge}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      // The production shape (issue #19 option (a)): the API Worker behind the edge's `API` binding
      // answers what needs the database (only it sets `Server-Timing: api;dur=`); /healthz stays in the edge.
      const me = await fetch(`http://127.0.0.1:${ports.edge}/api/me`);
      expect(me.status).toBe(401);
      expect(me.headers.get('server-timing')).toMatch(/^api;dur=\d+$/);
      expect(health.headers.get('server-timing')).toBeNull();
      const devVars = path.join(dataDir, 'dev.vars');
      expect((await stat(devVars)).mode & 0o777).toBe(0o600);
      expect(await readFile(devVars, 'utf8')).toContain(`\nS3_ENDPOINT='http://127.0.0.1:${ports.s3}'\n`);

      // A second stack on the same data folder must refuse to start.
      const second = startDev({ EDGE_PORT: '0', S3_PORT: '0', PG_PORT: '0', PG_WS_PORT: '0' });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/another local stack \(pid \d+\) is using/);

      await s3().put('raw', 'persist/original', 'kept across restarts');
      const anonymous = await pg(false);
      await expect(anonymous.db.execute(sql`select 1`)).rejects.toThrow();
      await anonymous.close();
      const db = await pg();
      await db.db.execute(sql`insert into users (email, name, password_hash) values ('keep@example.test', 'Keep', 'h')`);
      await db.close();

      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('stopped');
    } finally {
      first.child.kill('SIGKILL');
    }

    const again = startDev();
    try {
      await waitFor(again, 'local stack ready');
      expect((await fetch(`http://127.0.0.1:${ports.edge}/healthz`)).status).toBe(200);
      expect(await (await s3().get('raw', 'persist/original'))?.text()).toBe('kept across restarts');
      const db = await pg();
      const res = (await db.db.execute(sql`select name from users where email = 'keep@example.test'`)) as unknown as {
        rows: { name: string }[];
      };
      await db.close();
      expect(res.rows).toEqual([{ name: 'Keep' }]);
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      again.child.kill('SIGKILL');
    }
    // Two full starts of the stack (the first bundles the edge) on 2 shared cores.
  }, 180_000);

  it('names a bad setting and exits 1 without starting anything', async () => {
    const bad = startDev({ EDGE_PORT: 'eighty', DATA_DIR: path.join(dataDir, 'never') });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/EDGE_PORT: /);
  });

  it('names the setting whose port is taken', async () => {
    const net = await import('node:net');
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const busy = (blocker.address() as import('node:net').AddressInfo).port;
    try {
      const run = startDev({ S3_PORT: String(busy), DATA_DIR: path.join(dataDir, 'busy') });
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`S3_PORT=${busy}: port ${busy} is already in use`);
    } finally {
      blocker.close();
    }
  });
});
