/**
 * The Lambda bundles are ESM made by esbuild with NodeFunction's settings
 * (infra/constructs/node-function.ts). HEIC decoding (libheif-js, wasm inside
 * the JavaScript) must survive that: bundled with the same options and
 * banner, copied where no node_modules exist, the bundle decodes a HEIC
 * made by heif-enc. Without the banner's `__dirname` it throws at start.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { ESM_BANNER, REPO_ROOT } from '../../infra/constructs/node-function.ts';

const dir = mkdtempSync(join(tmpdir(), 'lambda-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bundle(banner: string, name: string): string {
  const outfile = join(dir, name);
  buildSync({
    entryPoints: [join(REPO_ROOT, 'test/infra/fixtures/heif-decode-entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: banner },
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

describe('the ingest Lambda bundle', () => {
  it('decodes a HEIC with libheif bundled inside, no node_modules beside it', () => {
    const png = join(dir, 'in.png');
    const heic = join(dir, 'in.heic');
    execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240', '-frames:v', '1', '-y', png]);
    execFileSync('heif-enc', ['-q', '50', '-o', heic, png]);
    const js = bundle(ESM_BANNER, 'index.mjs');
    const run = spawnSync(process.execPath, [js], {
      cwd: dir,
      input: readFileSync(heic),
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ width: 320, height: 240, bytes: 320 * 240 * 4 });
  });

  it('fails without the banner: the check above is what keeps HEIC working in Lambda', () => {
    const js = bundle("import { createRequire } from 'node:module';const require = createRequire(import.meta.url);", 'bare.mjs');
    const run = spawnSync(process.execPath, [js], { cwd: dir, input: Buffer.alloc(0), encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/__dirname is not defined/);
  });
});
