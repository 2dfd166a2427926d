/**
 * Builds the SPA into dist/web (the Worker's static assets directory,
 * wrangler.toml [assets]): one hashed JS bundle and one CSS file under
 * /static/, index.html naming them, and `_headers` making them immutable.
 * The HTML shell itself is served by the Worker (edge/platform/spa.routes.ts), which
 * adds the CSP. Used by `npm run build:web`, `npm run dev` and the tests.
 *
 *   node --import tsx web/build.ts [--watch]
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
export const webOutDir = path.join(root, 'dist', 'web');

const options = (outdir: string): esbuild.BuildOptions => ({
  entryPoints: { app: path.join(root, 'web/src/main.tsx') },
  bundle: true,
  format: 'esm',
  // Dynamic imports (hls.js: web/src/components/load-hls.ts) become chunks fetched on demand.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  // Uppy and the app share one preact; React-named imports resolve to it.
  alias: { react: 'preact/compat', 'react-dom': 'preact/compat' },
  minify: true,
  sourcemap: 'linked',
  outdir: path.join(outdir, 'static'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

/** The emitted file of `ext` for the entry, as a URL path. */
function outputOf(meta: esbuild.Metafile, outdir: string, ext: string): string {
  const file = Object.keys(meta.outputs).find((f) => f.endsWith(ext) && path.basename(f).startsWith('app-'));
  if (!file) throw new Error(`web build produced no ${ext} file`);
  return `/${path.relative(outdir, path.resolve(root, file)).split(path.sep).join('/')}`;
}

export async function buildWeb(outdir = webOutDir): Promise<{ outdir: string; js: string; css: string }> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await esbuild.build(options(outdir));
  const js = outputOf(result.metafile!, outdir, '.js');
  const css = outputOf(result.metafile!, outdir, '.css');
  const template = await readFile(path.join(root, 'web/index.html'), 'utf8');
  await writeFile(path.join(outdir, 'index.html'), template.replace('%APP_JS%', js).replace('%APP_CSS%', css));
  // Static files carry a content hash in their names: cache them forever.
  await writeFile(
    path.join(outdir, '_headers'),
    '/static/*\n  Cache-Control: public, max-age=31536000, immutable\n  X-Content-Type-Options: nosniff\n',
  );
  return { outdir, js, css };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  const out = await buildWeb();
  console.log(`web: built ${out.js} ${out.css} in ${Date.now() - started} ms`);
}
