/**
 * `npx wrangler dev` against a running local stack: the stack writes a
 * `.dev.vars` (local/dev-vars.ts) and wrangler's own dev server, with
 * the repository's wrangler.toml, answers through it — health, register,
 * login, /api/me. Without the file every request is `500 misconfigured`.
 *
 * The file goes to a temporary folder and reaches wrangler by `--env-file`
 * (which makes wrangler skip the .dev.vars beside wrangler.toml), so a
 * developer's own .dev.vars is neither read nor written.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/ports.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { devConfigSchema, parseConfig } from '../../shared/config.ts';

const root = path.resolve(import.meta.dirname, '../..');
const rootDevVars = path.join(root, '.dev.vars');
const readOrNull = (f: string) => readFile(f, 'utf8').catch(() => null);

let dataDir: string;
let stack: LocalStack;
let wrangler: ChildProcess | undefined;
let exited: Promise<void>;
let output = '';
let url: string;
let rootDevVarsBefore: string | null;

async function waitForHealth(): Promise<void> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (wrangler?.exitCode !== null) throw new Error(`wrangler dev exited (${wrangler?.exitCode}):\n${output}`);
    const res = await fetch(`${url}/healthz`).catch(() => undefined);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`wrangler dev not healthy (last ${res?.status}):\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const post = (base: string, p: string, body: unknown) =>
  fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const me = (base: string, token?: string) => fetch(`${base}/api/me`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

beforeAll(async () => {
  rootDevVarsBefore = await readOrNull(rootDevVars);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'media-wrangler-dev-'));
  const edgePort = await freePort();
  const config = parseConfig(devConfigSchema, {
    DATA_DIR: dataDir,
    EDGE_PORT: String(edgePort),
    S3_PORT: '0',
    PG_PORT: '0',
    PG_WS_PORT: '0',
  });
  const devVarsFile = path.join(dataDir, 'dev.vars');
  stack = await startLocalStack(config, { devVarsFile });
  expect(stack.devVars).toEqual({ file: devVarsFile, status: 'written' });

  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort())];
  // The stack's own SPA build and a private state folder: nothing is read from or left in the checkout's dist/.
  args.push('--env-file', devVarsFile, '--assets', path.join(dataDir, 'web'), '--persist-to', path.join(dataDir, 'wrangler-state'));
  args.push('--show-interactive-dev-session=false');
  // Its own process group, so afterAll stops wrangler and the workerd it starts, and nothing else.
  wrangler = spawn(path.join(root, 'node_modules/.bin/wrangler'), args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true' },
  });
  const child = wrangler;
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  exited = new Promise((resolve) => child.once('exit', () => resolve()));
  await waitForHealth();
}, 300_000);

afterAll(async () => {
  const pid = wrangler?.pid;
  if (pid !== undefined && wrangler?.exitCode === null) {
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    killGroup('SIGTERM');
    const killer = setTimeout(() => killGroup('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
  await stack?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('npx wrangler dev against the local stack', () => {
  it("reads the stack's storage and database from the written file (healthz is green on its ports)", async () => {
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect(output).toContain('dev.vars');
  });

  it('registers, logs in and answers /api/me with the token', async () => {
    const email = `wrangler-${crypto.randomUUID()}@example.test`;
    const password = 'correct horse battery staple';
    const reg = await post(url, '/api/auth/register', { email, password, name: 'Wrangler' });
    expect(reg.status, await reg.clone().text()).toBe(201);
    expect((await reg.json()) as object).toHaveProperty('accessToken');

    const login = await post(url, '/api/auth/login', { email, password });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    expect(accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const res = await me(url, accessToken);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { email: string } }).user.email).toBe(email);

    // Same keys, issuer and database as the stack's own edge: the session holds on both.
    expect((await me(stack.edge.url, accessToken)).status).toBe(200);
  });

  it('still refuses no token and a forged one (401, the JSON error shape)', async () => {
    const none = await me(url);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: expect.any(String), requestId: expect.any(String) } });
    const email = `forged-${crypto.randomUUID()}@example.test`;
    const reg = await post(stack.edge.url, '/api/auth/register', { email, password: 'correct horse battery staple', name: 'F' });
    const { accessToken } = (await reg.json()) as { accessToken: string };
    const [h, p, s] = accessToken.split('.');
    const forged = `${h}.${p}.${s!.slice(0, -4)}${s!.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect((await me(url, forged)).status).toBe(401);
    expect((await me(url, accessToken)).status).toBe(200);
  });

  it("left the checkout's own .dev.vars as it was", async () => {
    expect(await readOrNull(rootDevVars)).toBe(rootDevVarsBefore);
  });
});
