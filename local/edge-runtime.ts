/**
 * Runs the edge Worker in workerd for the local stack: wrangler bundles it
 * exactly as `wrangler deploy` would, then Miniflare serves the bundle with the
 * inspector off. (The `wrangler dev` CLI on Node 20 forwards every network event
 * to its inspector proxy and collapses on large streams: TOOLCHAIN.md.)
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';

const run = promisify(execFile);

export const repoRoot = path.resolve(import.meta.dirname, '..');

const quietWrangler = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
};

/** Newest modification time of the files the bundle is made from. */
async function newestSource(): Promise<number> {
  let newest = 0;
  const visit = async (p: string): Promise<void> => {
    const st = await stat(p).catch(() => null);
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of await readdir(p)) if (name !== 'migrations') await visit(path.join(p, name));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['edge', 'shared', 'wrangler.toml', 'package-lock.json']) await visit(path.join(repoRoot, p));
  return newest;
}

/**
 * Bundles edge/ into `outDir/index.js` with wrangler's own bundler (offline),
 * reusing the previous bundle when no source is newer than it.
 */
export async function bundleEdge(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const out = path.join(outDir, 'index.js');
  const built = await stat(out).catch(() => null);
  if (built && built.mtimeMs > (await newestSource())) return out;
  // wrangler refuses to bundle when wrangler.toml's [assets] directory is missing (a fresh clone);
  // the bundle does not contain the assets, so an empty folder is enough here.
  await mkdir(path.join(repoRoot, 'dist', 'web'), { recursive: true });
  const wrangler = path.join(repoRoot, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  await run(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', outDir], {
    cwd: repoRoot,
    env: { ...process.env, ...quietWrangler },
    maxBuffer: 16 * 1024 * 1024,
  });
  return out;
}

export interface EdgeRuntime {
  url: string;
  port: number;
  miniflare: Miniflare;
  close(): Promise<void>;
}

/** Serves a bundled Worker on 127.0.0.1:`port` with `bindings` over wrangler.toml's vars. */
export async function startEdge(opts: {
  scriptPath: string;
  port: number;
  bindings: Record<string, string>;
  /** The built SPA (web/build.ts) served as the Worker's static assets; wrangler.toml's [assets] routing applies. */
  assetsDirectory?: string;
  /** workerd's stdout and stderr (the Worker's console), for a caller that reads its logs. */
  stdio?: (stdout: Readable, stderr: Readable) => void;
  /** Opens workerd's V8 inspector on this port (heap statistics and snapshots: bench/soak.ts). */
  inspectorPort?: number;
}): Promise<EdgeRuntime> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(repoRoot, 'wrangler.toml'));
  const mf = new Miniflare({
    name: workerOptions.name ?? 'media-edge',
    compatibilityDate: workerOptions.compatibilityDate,
    compatibilityFlags: workerOptions.compatibilityFlags ?? [],
    bindings: { ...(workerOptions.bindings ?? {}), ...opts.bindings },
    // The per-client rate limits of wrangler.toml ([[ratelimits]]), as deployed.
    ...(workerOptions.ratelimits ? { ratelimits: workerOptions.ratelimits } : {}),
    ...(workerOptions.assets && opts.assetsDirectory ? { assets: { ...workerOptions.assets, directory: opts.assetsDirectory } } : {}),
    modules: true,
    scriptPath: opts.scriptPath,
    // The bundle may sit outside the repo (a test's temp DATA_DIR) while its
    // source map points back into it; workerd refuses `..` past the root.
    modulesRoot: '/',
    host: '127.0.0.1',
    port: opts.port,
    log: undefined,
    ...(opts.stdio ? { handleRuntimeStdio: opts.stdio } : {}),
    ...(opts.inspectorPort !== undefined ? { inspectorPort: opts.inspectorPort } : {}),
  });
  const url = await mf.ready;
  return {
    url: url.origin,
    port: Number(url.port),
    miniflare: mf,
    close: () => mf.dispose(),
  };
}
