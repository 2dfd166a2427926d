/**
 * scripts/preflight.ts, the first step of `npm test`: run as `npm test` runs
 * it (a child process), on a described machine — a PATH of stub programs, a
 * fake PostgreSQL folder and a Chromium path — so the result does not depend
 * on what this machine has installed.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMissing, preflightMessage } from '../../scripts/preflight.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const isRoot = process.getuid?.() === 0;
const sudo = isRoot ? '' : 'sudo ';
let dir: string;

async function stub(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '#!/bin/sh\nexit 0\n');
  await chmod(file, 0o755);
}

/** A machine with the given programs on PATH, PostgreSQL when asked, and a Chromium when asked. */
async function machine(name: string, tools: string[], opts: { postgres?: boolean; chromium?: boolean; pgbouncer?: boolean } = {}) {
  const base = path.join(dir, name);
  await mkdir(path.join(base, 'bin'), { recursive: true });
  await mkdir(path.join(base, 'pg'), { recursive: true });
  for (const t of tools) await stub(path.join(base, 'bin', t));
  if (opts.postgres) for (const t of ['initdb', 'pg_ctl']) await stub(path.join(base, 'pg', '15', 'bin', t));
  if (opts.chromium) await stub(path.join(base, 'chromium'));
  if (opts.pgbouncer) await stub(path.join(base, 'pgbouncer'));
  return {
    PATH: path.join(base, 'bin'),
    PREFLIGHT_POSTGRES_ROOT: path.join(base, 'pg'),
    CHROMIUM_PATH: path.join(base, 'chromium'),
    PGBOUNCER_PATH: path.join(base, 'pgbouncer'),
  };
}

async function preflight(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/preflight.ts', ...args], { cwd: root, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'media-preflight-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm test preflight', () => {
  it('on a bare machine: exit 1 and one message naming everything and the one install line', async () => {
    const env = await machine('bare', []);
    const res = await preflight(env);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    const lines = [
      'npm test needs programs this machine lacks:',
      `  - PostgreSQL: initdb, pg_ctl under ${env.PREFLIGHT_POSTGRES_ROOT}/*/bin (package postgresql)`,
      `  - PgBouncer: ${env.PGBOUNCER_PATH} (package pgbouncer)`,
      '  - ffmpeg, ffprobe (package ffmpeg)',
      '  - pdftoppm, pdfinfo (package poppler-utils)',
      '  - heif-enc (package libheif-examples)',
      '  - exiftool (package libimage-exiftool-perl)',
      '  - unzip (package unzip)',
      '  - 7z (package p7zip-full)',
      '  - python3 (package python3)',
      `  - Chromium: ${env.CHROMIUM_PATH} (package chromium)`,
      '  - oathtool (package oathtool)',
      ...(isRoot ? ['  - runuser (package util-linux)'] : []),
      'Install them with:',
      `  ${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends postgresql pgbouncer ffmpeg poppler-utils libheif-examples libimage-exiftool-perl unzip p7zip-full python3 chromium oathtool${isRoot ? ' util-linux' : ''}`,
    ];
    expect(res.stderr).toBe(`${lines.join('\n')}\n`);
  }, 60_000);

  it('with everything present: exit 0 and silent', async () => {
    const env = await machine(
      'full',
      ['ffmpeg', 'ffprobe', 'pdftoppm', 'pdfinfo', 'heif-enc', 'exiftool', 'unzip', '7z', 'python3', 'oathtool', 'runuser'],
      {
        postgres: true,
        chromium: true,
        pgbouncer: true,
      },
    );
    expect(await preflight(env)).toEqual({ code: 0, stdout: '', stderr: '' });
  }, 60_000);

  it('--packages prints only the packages to install, as .ci/run installs them (nothing when none is missing)', async () => {
    const partial = await machine('ci-partial', ['ffmpeg', 'ffprobe', 'exiftool', 'unzip', '7z', 'python3', 'oathtool', 'runuser'], {
      postgres: true,
    });
    expect(await preflight(partial, ['--packages'])).toEqual({
      code: 0,
      stdout: 'pgbouncer poppler-utils libheif-examples chromium\n',
      stderr: '',
    });
    const full = await machine(
      'ci-full',
      ['ffmpeg', 'ffprobe', 'pdftoppm', 'pdfinfo', 'heif-enc', 'exiftool', 'unzip', '7z', 'python3', 'oathtool', 'runuser'],
      {
        postgres: true,
        chromium: true,
        pgbouncer: true,
      },
    );
    expect(await preflight(full, ['--packages'])).toEqual({ code: 0, stdout: '', stderr: '' });
  }, 60_000);

  it('names only what is missing, and installs only its packages', async () => {
    const env = await machine('partial', ['ffmpeg', 'pdftoppm', 'heif-enc', 'exiftool', 'unzip', '7z', 'python3', 'oathtool', 'runuser'], {
      postgres: true,
      chromium: true,
      pgbouncer: true,
    });
    const missing = findMissing(env, isRoot);
    expect(missing).toEqual([
      { what: 'ffprobe', pkg: 'ffmpeg' },
      { what: 'pdfinfo', pkg: 'poppler-utils' },
    ]);
    expect(preflightMessage(missing, false).split('\n').at(-1)).toBe(
      '  sudo apt-get update && sudo apt-get install -y --no-install-recommends ffmpeg poppler-utils',
    );
  });

  it('finds PostgreSQL on PATH when the versioned folder is absent; a non-executable file does not count', async () => {
    const env = await machine(
      'pg-on-path',
      [
        'ffmpeg',
        'ffprobe',
        'pdftoppm',
        'pdfinfo',
        'heif-enc',
        'exiftool',
        'unzip',
        '7z',
        'python3',
        'oathtool',
        'runuser',
        'initdb',
        'pg_ctl',
      ],
      {
        chromium: true,
        pgbouncer: true,
      },
    );
    expect(findMissing(env, isRoot)).toEqual([]);
    await chmod(path.join(env.PATH, 'pg_ctl'), 0o644);
    await chmod(env.CHROMIUM_PATH, 0o644);
    await chmod(env.PGBOUNCER_PATH, 0o644);
    expect(findMissing(env, isRoot).map((m) => m.pkg)).toEqual(['postgresql', 'pgbouncer', 'chromium']);
  });
});
