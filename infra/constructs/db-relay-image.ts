/**
 * The relay's container build context, made at synth time: relay.mts and what
 * it imports (ws, shared/db/relay-token.ts) bundled by the local esbuild into
 * one ESM file next to the Dockerfile. The Dockerfile then only COPYs: no
 * `npm install` and no RUN step, so `docker build --platform linux/arm64`
 * works on an x86 host without QEMU emulation, like the Lambdas' bundles.
 */
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory holding relay.mts and its Dockerfile. */
export const RELAY_SOURCE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'db-relay');

/** Bundles the relay into `outDir` (default: a temp folder named by the bundle's hash) and returns the folder. */
export function bundleRelay(outDir?: string): string {
  const result = buildSync({
    entryPoints: [join(RELAY_SOURCE_DIR, 'relay.mts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    write: false,
    legalComments: 'none',
    // ws loads these optional native helpers with require() inside try/catch.
    external: ['bufferutil', 'utf-8-validate'],
    banner: { js: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);" },
  });
  const code = result.outputFiles[0]!.contents;
  const dockerfile = readFileSync(join(RELAY_SOURCE_DIR, 'Dockerfile'));
  const hash = createHash('sha256').update(code).update(dockerfile).digest('hex').slice(0, 16);
  const dir = outDir ?? join(tmpdir(), `media-db-relay-${hash}`);
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, 'relay.mjs');
  // Same content, same asset hash: leave an identical bundle untouched.
  if (!existsSync(bundle) || !readFileSync(bundle).equals(Buffer.from(code))) writeFileSync(bundle, code);
  copyFileSync(join(RELAY_SOURCE_DIR, 'Dockerfile'), join(dir, 'Dockerfile'));
  return dir;
}
