/**
 * Global setup of the browser project: one local stack per e2e worker, not
 * per test file. Starting a stack (bundle the edge and the SPA, migrate
 * PGlite, start workerd) costs more than most browser tests, so each
 * worker's stack serves every file that worker runs; the tests isolate
 * their data by signing up fresh users.
 *
 * Stacks start lazily: a small broker on a loopback port, whose address the
 * tests get through inject(), starts worker N's stack (in a process of its
 * own, ../e2e/support/stack-process.ts) the first time a file on that worker
 * asks for it, so a run of one file starts one stack. The teardown closes
 * every stack's stdin and waits for its process to exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    e2eStackBroker: string;
  }
}

const root = path.resolve(import.meta.dirname, '../..');
const script = path.join(root, 'test/e2e/support/stack-process.ts');

interface StackProcess {
  child: ChildProcess;
  /** The first line the stack printed: `{ url, holdDir, database }`. */
  url: Promise<Record<string, unknown>>;
}

function startStack(): StackProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const url = new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        const ready = JSON.parse(line) as Record<string, unknown>;
        if (typeof ready.url !== 'string') throw new Error('no url');
        resolve(ready);
      } catch {
        reject(new Error(`e2e stack: unexpected first line ${JSON.stringify(line)}`));
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`e2e stack exited before it was ready (${code ?? signal})`)));
  });
  return { child, url };
}

async function stop({ child }: StackProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin!.end();
  // Closing takes a few seconds (workerd, PGlite); past a minute the process is stuck, so it is killed.
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
}

export default async function setup(project: TestProject) {
  const stacks = new Map<string, StackProcess>();
  const server = http.createServer((req, res) => {
    const worker = /^\/stack\/(\d{1,3})$/.exec(req.url ?? '')?.[1];
    if (!worker) {
      res.writeHead(404).end();
      return;
    }
    let stack = stacks.get(worker);
    if (!stack) {
      stack = startStack();
      stacks.set(worker, stack);
    }
    stack.url.then(
      (ready) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ready)),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide('e2eStackBroker', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return async () => {
    await new Promise((resolve) => server.close(resolve));
    await Promise.all([...stacks.values()].map(stop));
  };
}
