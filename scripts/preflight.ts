/**
 * `npm test` needs Debian programs besides node_modules: ffmpeg/ffprobe (the
 * local MediaConvert stand-in, audio previews), poppler's pdftoppm/pdfinfo (PDF previews),
 * heif-enc and exiftool (the HEIC fixtures with camera tags and GPS),
 * PostgreSQL's initdb/pg_ctl (the node suites start a real server) and PgBouncer
 * (in front of it, as RDS Proxy is in AWS), Chromium
 * (the browser suites), oathtool (a foreign TOTP authenticator), unzip, 7z and python3 (foreign ZIP readers) and, as root, runuser (PostgreSQL refuses to run as
 * root). Without them the suite fails minutes later with dozens of unrelated
 * errors, so this runs first and stops in a second with one message naming
 * what is missing and the one line that installs it (the same list `.ci/run`
 * installs).
 *
 * `--packages` prints only the Debian packages to install (space-separated,
 * nothing when none are missing): `.ci/run` installs what it prints, so CI
 * and this check never disagree on the list.
 *
 * Overrides, so a test can describe a bare machine: PATH (where programs are
 * looked up), CHROMIUM_PATH (as test/e2e/support/browser.ts reads it),
 * PGBOUNCER_PATH (as local/pgbouncer.ts reads it) and
 * PREFLIGHT_POSTGRES_ROOT (default /usr/lib/postgresql).
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Missing {
  /** What the tests lack, in words. */
  what: string;
  /** The Debian package that provides it. */
  pkg: string;
}

/** Install order of the packages in the message (as README and .ci/run name them). */
const PACKAGES = [
  'postgresql',
  'pgbouncer',
  'ffmpeg',
  'poppler-utils',
  'libheif-examples',
  'libimage-exiftool-perl',
  'unzip',
  'p7zip-full',
  'python3',
  'chromium',
  'oathtool',
  'util-linux',
];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, envPath: string): boolean {
  return envPath.split(path.delimiter).some((dir) => dir !== '' && isExecutable(path.join(dir, name)));
}

/** As local/postgres-server.ts finds it: a versioned folder under the root, else PATH. */
function hasPostgres(root: string, envPath: string): boolean {
  let versions: string[] = [];
  try {
    versions = readdirSync(root);
  } catch {
    // No such folder: only PATH can have it.
  }
  const both = (dir: string) => isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'pg_ctl'));
  return versions.some((v) => both(path.join(root, v, 'bin'))) || (onPath('initdb', envPath) && onPath('pg_ctl', envPath));
}

export function findMissing(env: NodeJS.ProcessEnv, isRoot: boolean): Missing[] {
  const envPath = env.PATH ?? '';
  const missing: Missing[] = [];
  const pgRoot = env.PREFLIGHT_POSTGRES_ROOT || '/usr/lib/postgresql';
  if (!hasPostgres(pgRoot, envPath)) missing.push({ what: `PostgreSQL: initdb, pg_ctl under ${pgRoot}/*/bin`, pkg: 'postgresql' });
  // The node suites and benches reach PostgreSQL through PgBouncer (local/pgbouncer.ts finds it the same way).
  const bouncer = env.PGBOUNCER_PATH
    ? isExecutable(env.PGBOUNCER_PATH)
    : isExecutable('/usr/sbin/pgbouncer') || onPath('pgbouncer', envPath);
  if (!bouncer) missing.push({ what: `PgBouncer: ${env.PGBOUNCER_PATH || '/usr/sbin/pgbouncer'}`, pkg: 'pgbouncer' });
  const video = ['ffmpeg', 'ffprobe'].filter((t) => !onPath(t, envPath));
  if (video.length) missing.push({ what: video.join(', '), pkg: 'ffmpeg' });
  const pdf = ['pdftoppm', 'pdfinfo'].filter((t) => !onPath(t, envPath));
  if (pdf.length) missing.push({ what: pdf.join(', '), pkg: 'poppler-utils' });
  if (!onPath('heif-enc', envPath)) missing.push({ what: 'heif-enc', pkg: 'libheif-examples' });
  if (!onPath('exiftool', envPath)) missing.push({ what: 'exiftool', pkg: 'libimage-exiftool-perl' });
  // Foreign ZIP readers check the edge's archives (test/node/zip-readers.test.ts).
  if (!onPath('unzip', envPath)) missing.push({ what: 'unzip', pkg: 'unzip' });
  if (!onPath('7z', envPath)) missing.push({ what: '7z', pkg: 'p7zip-full' });
  if (!onPath('python3', envPath)) missing.push({ what: 'python3', pkg: 'python3' });
  // The browser suites launch this exact file (test/e2e/support/browser.ts), not whatever is on PATH.
  const chromium = env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!isExecutable(chromium)) missing.push({ what: `Chromium: ${chromium}`, pkg: 'chromium' });
  if (!onPath('oathtool', envPath)) missing.push({ what: 'oathtool', pkg: 'oathtool' });
  if (isRoot && !onPath('runuser', envPath)) missing.push({ what: 'runuser', pkg: 'util-linux' });
  return missing;
}

/** The Debian packages that provide what is missing, in install order. */
export function missingPackages(missing: Missing[]): string[] {
  return PACKAGES.filter((p) => missing.some((m) => m.pkg === p));
}

/** The one message: what is missing and the one line that installs all of it. */
export function preflightMessage(missing: Missing[], isRoot: boolean, command = 'npm test'): string {
  const pkgs = missingPackages(missing);
  const sudo = isRoot ? '' : 'sudo ';
  return [
    `${command} needs programs this machine lacks:`,
    ...missing.map((m) => `  - ${m.what} (package ${m.pkg})`),
    'Install them with:',
    `  ${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${pkgs.join(' ')}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const isRoot = process.getuid?.() === 0;
  const missing = findMissing(process.env, isRoot);
  if (process.argv.includes('--packages')) {
    if (missing.length > 0) console.log(missingPackages(missing).join(' '));
  } else if (missing.length > 0) {
    console.error(preflightMessage(missing, isRoot));
    process.exit(1);
  }
}
