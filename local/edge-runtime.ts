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
  for (const p of ['edge', 'shared', 'wrangler.toml', 'wrangler.api.toml', 'package-lock.json']) await visit(path.join(repoRoot, p));
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

/** The API Worker's name in a two-Worker Miniflare (wrangler.api.toml `name`), the edge's `API` binding target. */
export const API_WORKER_NAME = 'media-api';

/**
 * Serves a bundled Worker on 127.0.0.1:`port` with `bindings` over wrangler.toml's vars.
 *
 * Issue #19 option (a), the production shape: `api: 'inline'` runs the same
 * bundle a second time as the API Worker (wrangler.api.toml: `WORKER_ROLE`,
 * only the drop limit) in the same Miniflare, bound to the edge as `API`, so
 * the edge forwards what needs the database (edge/platform/region-forward.ts);
 * `api: { address }` binds `API` to an HTTP server instead (the round-trip
 * harness puts a delay proxy there, in front of an API Worker of its own);
 * `role: 'api'` serves the bundle as the API Worker alone. Default: the edge
 * alone, no `API` binding, as `wrangler dev`.
 */
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
  /** Which Worker this is: the public edge (wrangler.toml, default) or the API Worker (wrangler.api.toml). */
  role?: 'edge' | 'api';
  /** The edge's `API` service binding (see above); only with `role: 'edge'`. */
  api?: 'inline' | { address: string };
  /** Bindings of the inline API Worker over `bindings` (e.g. its own relay and S3 endpoints). */
  apiBindings?: Record<string, string>;
}): Promise<EdgeRuntime> {
  const role = opts.role ?? 'edge';
  const worker = (config: string, bindings: Record<string, string>) => {
    const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(repoRoot, config));
    return {
      name: workerOptions.name ?? 'media-edge',
      compatibilityDate: workerOptions.compatibilityDate,
      compatibilityFlags: workerOptions.compatibilityFlags ?? [],
      bindings: { ...(workerOptions.bindings ?? {}), ...bindings },
      // The per-client rate limits of the config ([[ratelimits]]), as deployed.
      ...(workerOptions.ratelimits ? { ratelimits: workerOptions.ratelimits } : {}),
      modules: true,
      scriptPath: opts.scriptPath,
      // The bundle may sit outside the repo (a test's temp DATA_DIR) while its
      // source map points back into it; workerd refuses `..` past the root.
      modulesRoot: '/',
      assets: workerOptions.assets,
    };
  };
  const { assets, ...main } = worker(role === 'api' ? 'wrangler.api.toml' : 'wrangler.toml', opts.bindings);
  const apiBinding =
    role !== 'edge' || !opts.api
      ? undefined
      : opts.api === 'inline'
        ? API_WORKER_NAME
        : { external: { address: opts.api.address, http: {} } };
  const edge = {
    ...main,
    ...(assets && opts.assetsDirectory ? { assets: { ...assets, directory: opts.assetsDirectory } } : {}),
    ...(apiBinding ? { serviceBindings: { API: apiBinding } } : {}),
  };
  const apiWorker = () => {
    const { assets: _none, ...w } = worker('wrangler.api.toml', { ...opts.bindings, ...opts.apiBindings });
    return { ...w, name: API_WORKER_NAME };
  };
  const mf = new Miniflare({
    // The first Worker answers on the port; the API Worker has none of its own.
    workers: opts.api === 'inline' && role === 'edge' ? [edge, apiWorker()] : [edge],
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
