/**
 * `npm run migrate-storage -- --from <endpoint/bucket> --to <endpoint/bucket>`
 * copies every object between two S3-compatible stores; see
 * ./storage-migration.ts for how copies are streamed, verified and resumed.
 *
 * Exit codes: 0 all copied or already present, 1 a bucket unusable or an
 * object failed, 2 bad arguments or environment, 130 interrupted.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { openStorage } from '../origin/core/storage.ts';
import { type MigrateProgress, migrateStorage } from './storage-migration.ts';

const USAGE = `usage: npm run migrate-storage -- --from <endpoint/bucket> --to <endpoint/bucket>
         [--prefix <prefix>] [--concurrency <n>] [--dry-run]

  e.g. --from http://127.0.0.1:9000/raw --to https://s3.eu-central-1.amazonaws.com/my-bucket
  credentials: FROM_ACCESS_KEY_ID, FROM_SECRET_ACCESS_KEY, FROM_REGION (and TO_...),
               falling back to S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION`;

const location = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a URL like http://host:port/bucket` });
    return z.NEVER;
  }
  const segments = url.pathname.split('/').filter(Boolean);
  const bucket = segments.pop();
  if (!/^https?:$/.test(url.protocol) || !bucket || url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: `"${value}" must be an http(s) URL ending in a bucket name` });
    return z.NEVER;
  }
  const aws = url.hostname.endsWith('amazonaws.com');
  // s3.eu-central-1.amazonaws.com or s3-eu-central-1.amazonaws.com; plain s3.amazonaws.com is us-east-1.
  const region = aws ? (/^s3[.-]([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ?? 'us-east-1') : undefined;
  url.pathname = segments.length ? `/${segments.join('/')}` : '/';
  return { endpoint: url.toString().replace(/\/$/, ''), bucket, pathStyle: !aws, region };
});

const Args = z
  .object({
    from: location,
    to: location,
    prefix: z.string().min(1).optional(),
    concurrency: z.coerce.number().int().min(1).max(64).default(4),
    'dry-run': z.boolean().default(false),
  })
  .refine((a) => a.from.endpoint !== a.to.endpoint || a.from.bucket !== a.to.bucket, {
    path: ['to'],
    message: 'must differ from --from',
  });

const Credentials = z.object({
  ACCESS_KEY_ID: z.string().min(1),
  SECRET_ACCESS_KEY: z.string().min(1),
  SESSION_TOKEN: z.string().min(1).optional(),
  REGION: z.string().min(1).optional(),
});

class UsageError extends Error {}

function parse(argv: string[], env: NodeJS.ProcessEnv) {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        prefix: { type: 'string' },
        concurrency: { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const args = Args.safeParse(values);
  if (!args.success) {
    throw new UsageError(args.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('\n'));
  }
  const client = (side: 'FROM' | 'TO', loc: z.infer<typeof location>) => {
    const pick = (name: keyof z.infer<typeof Credentials>) => env[`${side}_${name}`] ?? env[`S3_${name}`];
    // An AWS hostname names its region; the shared S3_REGION must not override it.
    const region = env[`${side}_REGION`] ?? loc.region ?? env.S3_REGION;
    const creds = Credentials.safeParse({
      ACCESS_KEY_ID: pick('ACCESS_KEY_ID'),
      SECRET_ACCESS_KEY: pick('SECRET_ACCESS_KEY'),
      SESSION_TOKEN: pick('SESSION_TOKEN'),
      REGION: region,
    });
    if (!creds.success) {
      const name = String(creds.error.issues[0]?.path[0]);
      throw new UsageError(`${side}_${name} (or S3_${name}) must be set for --${side.toLowerCase()}`);
    }
    const c = creds.data;
    return openStorage({
      endpoint: loc.endpoint,
      region: c.REGION ?? 'us-east-1',
      accessKeyId: c.ACCESS_KEY_ID,
      secretAccessKey: c.SECRET_ACCESS_KEY,
      sessionToken: c.SESSION_TOKEN,
      forcePathStyle: loc.pathStyle,
    });
  };
  const a = args.data;
  return {
    from: { client: client('FROM', a.from), bucket: a.from.bucket },
    to: { client: client('TO', a.to), bucket: a.to.bucket },
    ...(a.prefix ? { prefix: a.prefix } : {}),
    concurrency: a.concurrency,
    dryRun: a['dry-run'],
  };
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

function progressLine(p: MigrateProgress, dryRun: boolean): string {
  const rate = p.elapsedMs > 0 ? p.bytes / 1e6 / (p.elapsedMs / 1000) : 0;
  const copied = dryRun ? `${p.copied} to copy` : `${p.copied} copied`;
  return (
    `${p.done}/${p.total} objects, ${mb(p.bytes)}/${mb(p.totalBytes)} MB, ${rate.toFixed(1)} MB/s ` +
    `(${copied}, ${p.skipped} skipped, ${p.failed} failed)`
  );
}

async function main(): Promise<number> {
  let opts: ReturnType<typeof parse>;
  try {
    opts = parse(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`migrate-storage: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }

  const tty = process.stdout.isTTY === true;
  let latest: MigrateProgress | undefined;
  let shown: MigrateProgress | undefined;
  const render = (final = false) => {
    if (!latest || (latest === shown && !final)) return;
    shown = latest;
    const line = progressLine(latest, opts.dryRun);
    process.stdout.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
  };
  const timer = setInterval(render, tty ? 250 : 5000);
  const controller = new AbortController();
  // A second Ctrl-C falls through to Node's default and kills the process.
  process.once('SIGINT', () => controller.abort());

  try {
    const result = await migrateStorage({
      ...opts,
      signal: controller.signal,
      onProgress: (p) => {
        latest = p;
      },
    });
    render(true);
    if (opts.dryRun) for (const key of result.copied) process.stdout.write(`would copy ${key}\n`);
    for (const f of result.failed) process.stderr.write(`FAILED ${f.key}: ${f.reason}\n`);
    if (result.failed.length) {
      process.stderr.write(`${result.failed.length} object(s) failed; re-run to retry them\n`);
      return 1;
    }
    if (result.interrupted) {
      process.stderr.write('interrupted; re-run to copy the rest\n');
      return 130;
    }
    return 0;
  } catch (err) {
    // MigrateError: a bucket unusable before anything was written; otherwise e.g. listing failed.
    process.stderr.write(`migrate-storage: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    clearInterval(timer);
  }
}

process.exitCode = await main();
