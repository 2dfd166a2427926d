/**
 * The container's program as built (infra/constructs/db-relay-image.ts): the
 * esbuild bundle runs on its own, with no node_modules beside it, and refuses
 * an upgrade without a token.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bundleRelay } from '../../infra/constructs/db-relay-image.js';
import { freePort } from '../../local/ports.ts';
import { mintRelayToken } from '../../shared/db/relay-token.ts';

const KEY = 'image-test-key-'.padEnd(43, 'q');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

describe('relay image build context', () => {
  it('holds only the Dockerfile and one bundle; the Dockerfile has no RUN step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-ctx-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    bundleRelay(dir);
    expect(readdirSync(dir).sort()).toEqual(['Dockerfile', 'relay.mjs']);
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).not.toMatch(/^\s*RUN\b/m);
    expect(dockerfile).toMatch(/CMD \["node", "relay.mjs"\]/);
  });

  it('runs standalone: healthy, and 401 for an upgrade without a valid token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-run-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    bundleRelay(dir);
    const port = await freePort();
    const child = spawn(process.execPath, ['relay.mjs'], {
      cwd: dir,
      env: { PATH: process.env.PATH, PORT: String(port), TARGET_HOST: '127.0.0.1', TARGET_PORT: '9', TARGET_TLS: 'false', RELAY_KEY: KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    await expect.poll(() => out, { timeout: 30_000 }).toContain('relay listening');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const status = async (url: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.once('unexpected-response', (_q, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.once('open', () => {
          resolve(101);
          ws.terminate();
        });
        ws.once('error', () => resolve(-1));
      });
    expect(await status(`ws://127.0.0.1:${port}/v1`)).toBe(401);
    expect(await status(`ws://127.0.0.1:${port}/v1?token=${mintRelayToken('wrong-key-'.padEnd(43, 'w'))}`)).toBe(401);
    // A valid token passes the proof; the target (port 9, nothing listening) then fails the session, not the upgrade.
    expect(await status(`ws://127.0.0.1:${port}/v1?token=${mintRelayToken(KEY)}`)).toBe(101);
    expect(out).toContain('"reason":"missing"');
  });
});
