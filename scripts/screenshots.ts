/**
 * `npm run screenshots [-- <vitest filters>]`: refreshes docs/screenshots/ on
 * purpose. The browser suites run into a folder of their own (SCREENSHOT_DIR,
 * read by test/e2e/support/screens.ts); only when every selected test passes
 * are their pictures copied over the tracked ones, so a failing run leaves
 * docs/ as it was. Pictures in docs/ that no test wrote any more are named,
 * not deleted.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findMissing, preflightMessage } from './preflight.ts';

const root = path.resolve(import.meta.dirname, '..');
const docs = path.join(root, 'docs', 'screenshots');

function runE2e(outDir: string, filters: string[]): Promise<number> {
  const vitest = path.join(root, 'node_modules', '.bin', 'vitest');
  const child = spawn(vitest, ['run', '--project', 'e2e', ...filters], {
    cwd: root,
    env: { ...process.env, SCREENSHOT_DIR: outDir },
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function pngs(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.png')).sort();
}

async function main(): Promise<number> {
  const isRoot = process.getuid?.() === 0;
  const missing = findMissing(process.env, isRoot);
  if (missing.length > 0) {
    console.error(preflightMessage(missing, isRoot, 'npm run screenshots'));
    return 1;
  }
  const out = await mkdtemp(path.join(os.tmpdir(), 'media-screenshots-'));
  try {
    const code = await runE2e(out, process.argv.slice(2));
    if (code !== 0) {
      console.error(`screenshots: the browser tests failed (exit ${code}); docs/screenshots/ left unchanged`);
      return code;
    }
    const taken = await pngs(out);
    if (taken.length === 0) {
      console.error('screenshots: the selected tests took no screenshots; docs/screenshots/ left unchanged');
      return 1;
    }
    await mkdir(docs, { recursive: true });
    for (const name of taken) await copyFile(path.join(out, name), path.join(docs, name));
    console.log(`screenshots: updated ${taken.length} in docs/screenshots/: ${taken.join(', ')}`);
    const stale = (await pngs(docs)).filter((n) => !taken.includes(n));
    if (stale.length > 0) console.log(`screenshots: not taken by this run (left as they were): ${stale.join(', ')}`);
    return 0;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
