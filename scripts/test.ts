/**
 * `npm test`: the preflight (scripts/preflight.ts) first, so a machine that
 * lacks a Debian program stops in a second with one message; then the checks
 * that need no services — lint, the three type-checks, the SPA build (the
 * workers suites serve dist/web) and `cdk synth` — side by side, because
 * each is mostly one process on one core; then the whole vitest run.
 *
 * A check's output is shown only when it fails (with its command), so a
 * failing run ends with what failed rather than with the noise of the ones
 * that passed. Arguments after `--` go to vitest (`npm test -- test/unit`).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findMissing, preflightMessage } from './preflight.ts';

const root = path.resolve(import.meta.dirname, '..');

export interface Check {
  name: string;
  command: string;
  args: string[];
}

/** What runs before vitest: these `npm run` scripts. */
export const CHECKS: Check[] = ['lint', 'typecheck', 'build:web', 'synth'].map((name) => ({
  name,
  command: 'npm',
  args: ['run', '--silent', name],
}));

export interface CheckResult {
  check: Check;
  code: number;
  output: string;
  seconds: number;
}

export function runCheck(check: Check, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult> {
  const started = performance.now();
  const child = spawn(check.command, check.args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stderr.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => {
    const done = (code: number) =>
      resolve({ check, code, output: Buffer.concat(chunks).toString('utf8'), seconds: (performance.now() - started) / 1000 });
    child.on('error', (err) => {
      chunks.push(Buffer.from(`${String(err)}\n`));
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

/** Runs the checks side by side; prints a line per check and the output of each that failed. Returns whether all passed. */
export async function runChecks(checks: Check[], write: (s: string) => void = (s) => process.stderr.write(s)): Promise<boolean> {
  const results = await Promise.all(
    checks.map(async (c) => {
      const r = await runCheck(c);
      write(`${r.code === 0 ? 'ok  ' : 'FAIL'} ${c.name} (${r.seconds.toFixed(1)} s)\n`);
      return r;
    }),
  );
  const failed = results.filter((r) => r.code !== 0);
  for (const r of failed)
    write(`\n--- ${r.check.name} failed (exit ${r.code}): ${[r.check.command, ...r.check.args].join(' ')}\n${r.output}`);
  return failed.length === 0;
}

function runVitest(args: string[]): Promise<number> {
  const child = spawn(path.join(root, 'node_modules', '.bin', 'vitest'), ['run', ...args], { cwd: root, stdio: 'inherit' });
  return new Promise((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const isRoot = process.getuid?.() === 0;
  const missing = findMissing(process.env, isRoot);
  if (missing.length > 0) {
    console.error(preflightMessage(missing, isRoot));
    return 1;
  }
  if (!(await runChecks(CHECKS))) return 1;
  return runVitest(process.argv.slice(2));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main();
}
