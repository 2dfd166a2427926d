/**
 * migrate-storage against two real SigV4-verifying local S3 servers: the
 * library for copy, resume and verification, the CLI as a child process for
 * arguments, exit codes and progress output.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../local/s3-server.ts';
import { type BucketRef, MigrateError, migrateStorage, sha256Of } from '../../cli/storage-migration.ts';
import { Readable, Transform } from 'node:stream';
import { createS3Client, OriginStorage, type PutOptions, type StorageSettings } from '../../origin/core/storage.ts';

const MiB = 1024 * 1024;
const ROOT = path.resolve(import.meta.dirname, '../..');
const BIG = new Uint8Array(randomBytes(12 * MiB));
const FIXTURES: Record<string, Uint8Array<ArrayBuffer> | string> = {
  'a.txt': 'hello',
  'with space/file name.txt': 'spaces',
  'unicode/ünïcødé — 日本語.txt': 'unicode',
  'plus+sign/a+b=c.txt': 'plus',
  'nested/deep/er/x.json': '{"x":1}',
  'nested/y.txt': 'y'.repeat(1000),
  empty: '',
  'big/large.bin': BIG,
};
const KEYS = Object.keys(FIXTURES).sort();
const small = { multipartThreshold: 8 * MiB, partSize: 5 * MiB };

let servers: LocalS3[] = [];
let dirs: string[] = [];
let src: BucketRef;
let dst: BucketRef;

const credentials = (endpoint: string, secret = 'S3RVER'): StorageSettings => ({
  endpoint,
  region: 'us-east-1',
  accessKeyId: 'S3RVER',
  secretAccessKey: secret,
  forcePathStyle: true,
});
const sdk = (endpoint: string, secret?: string) => createS3Client(credentials(endpoint, secret));
const client = (endpoint: string, secret?: string) => new OriginStorage(sdk(endpoint, secret));

/** Counts the bytes passing through, calling `seen` with each chunk's length before passing it on. */
const counting = (seen: (n: number) => void) => new Transform({ transform: (c: Buffer, _e, cb) => (seen(c.byteLength), cb(null, c)) });
const ENV = {
  S3_ACCESS_KEY_ID: 'S3RVER',
  S3_SECRET_ACCESS_KEY: 'S3RVER',
  S3_REGION: 'us-east-1',
  // The SDK warns on stderr that its 2027 releases need Node 22; the CLI's own stderr is what is under test.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

async function keysOf(ref: BucketRef, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of ref.client.list(ref.bucket, prefix)) keys.push(o.key);
  return keys.sort();
}

async function emptyBucket(ref: BucketRef): Promise<void> {
  for (const key of await keysOf(ref)) await ref.client.delete(ref.bucket, key);
}

type Run = { code: number | null; stdout: string; stderr: string };

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/migrate-storage.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...ENV, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'migrate-s3-'));
    dirs.push(dir);
    servers.push(await startLocalS3({ directory: dir, port: 0, buckets: ['src', 'dst'], corsOrigins: [] }));
  }
  src = { client: client(servers[0]!.endpoint), bucket: 'src' };
  dst = { client: client(servers[1]!.endpoint), bucket: 'dst' };
  for (const [key, body] of Object.entries(FIXTURES)) {
    await src.client.put('src', key, body, { contentType: key.endsWith('.json') ? 'application/json' : 'text/plain' });
  }
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  servers = [];
  dirs = [];
});

beforeEach(() => emptyBucket(dst));

describe('migrateStorage', () => {
  it('copies every object byte for byte, multipart above the threshold, and re-runs as a no-op', async () => {
    // The sizes of the UploadPart requests the SDK sends (lib-storage cuts the parts).
    const parts: number[] = [];
    const recorded = sdk(servers[1]!.endpoint);
    recorded.middlewareStack.add(
      (next, context) => async (args) => {
        const body = (args.input as { Body?: Uint8Array }).Body;
        if (context.commandName === 'UploadPartCommand') parts.push(body?.byteLength ?? -1);
        return next(args);
      },
      { step: 'initialize' },
    );
    const first = await migrateStorage({ from: src, to: { client: new OriginStorage(recorded), bucket: 'dst' }, ...small });
    expect(first.failed).toEqual([]);
    expect(parts.sort((a, b) => b - a)).toEqual([5 * MiB, 5 * MiB, 2 * MiB]);
    expect(first.copied.sort()).toEqual(KEYS);
    expect(await keysOf(dst)).toEqual(KEYS);
    for (const key of KEYS) expect(await sha256Of(dst, key), key).toBe(await sha256Of(src, key));

    const big = await dst.client.head('dst', 'big/large.bin');
    expect(big?.size).toBe(12 * MiB);
    expect((await dst.client.head('dst', 'empty'))?.size).toBe(0);
    expect((await dst.client.head('dst', 'nested/deep/er/x.json'))?.contentType).toBe('application/json');

    const again = await migrateStorage({ from: src, to: dst, ...small });
    expect(again.copied).toEqual([]);
    expect(again.skipped.sort()).toEqual(KEYS);
    expect(again.bytes).toBe(0);
  });

  it('resumes an interrupted run, copying only what is left', async () => {
    const controller = new AbortController();
    const first = await migrateStorage({
      from: src,
      to: dst,
      ...small,
      concurrency: 1,
      signal: controller.signal,
      onProgress: (p) => p.copied >= 3 && controller.abort(),
    });
    expect(first.interrupted).toBe(true);
    expect(first.copied).toHaveLength(3);
    expect(first.failed).toEqual([]);

    const second = await migrateStorage({ from: src, to: dst, ...small });
    expect(second.skipped.sort()).toEqual([...first.copied].sort());
    expect([...first.copied, ...second.copied].sort()).toEqual(KEYS);
    expect(second.interrupted).toBe(false);
  });

  it('re-copies exactly the destination objects that are missing or differ', async () => {
    await migrateStorage({ from: src, to: dst, ...small });
    await dst.client.delete('dst', 'a.txt');
    await dst.client.delete('dst', 'big/large.bin');
    await dst.client.put('dst', 'nested/y.txt', 'z'.repeat(1000)); // same size, other bytes
    await dst.client.put('dst', 'plus+sign/a+b=c.txt', 'longer than before');

    const rerun = await migrateStorage({ from: src, to: dst, ...small, dryRun: true });
    const expected = ['a.txt', 'big/large.bin', 'nested/y.txt', 'plus+sign/a+b=c.txt'];
    expect(rerun.copied.sort()).toEqual(expected);
    expect(await dst.client.head('dst', 'a.txt')).toBeNull(); // dry run wrote nothing

    const fixed = await migrateStorage({ from: src, to: dst, ...small });
    expect(fixed.copied.sort()).toEqual(expected);
    expect(fixed.skipped).toHaveLength(KEYS.length - expected.length);
    for (const key of expected) expect(await sha256Of(dst, key), key).toBe(await sha256Of(src, key));
  });

  it('limits the copy to --prefix', async () => {
    const result = await migrateStorage({ from: src, to: dst, prefix: 'nested/' });
    expect(result.copied.sort()).toEqual(['nested/deep/er/x.json', 'nested/y.txt']);
    expect(await keysOf(dst)).toEqual(['nested/deep/er/x.json', 'nested/y.txt']);
  });

  it('refuses to start with bad destination credentials and writes nothing', async () => {
    const badDst = { client: client(servers[1]!.endpoint, 'wrong-secret'), bucket: 'dst' };
    const run = migrateStorage({ from: src, to: badDst });
    await expect(run).rejects.toBeInstanceOf(MigrateError);
    await expect(run).rejects.toMatchObject({ code: 'DESTINATION_UNAVAILABLE' });
    expect(await keysOf(dst)).toEqual([]);
  });

  it('lists objects that fail verification and leaves none of them looking done', async () => {
    class LyingSource extends OriginStorage {
      override async head(bucket: string, key: string) {
        const info = await super.head(bucket, key);
        return info && { ...info, metadata: { ...info.metadata, sha256: '0'.repeat(64) } };
      }
    }
    const liar = { client: new LyingSource(sdk(servers[0]!.endpoint)), bucket: 'src' };
    const lying = await migrateStorage({ from: liar, to: dst, prefix: 'a.' });
    expect(lying.failed).toEqual([{ key: 'a.txt', reason: expect.stringContaining('source changed while copying') }]);

    class TamperedReadBack extends OriginStorage {
      override async get(...args: Parameters<OriginStorage['get']>) {
        const res = await super.get(...args);
        res?.body.destroy();
        return res && { ...res, body: Readable.from([Buffer.from('tampered')]) };
      }
    }
    const tampered = { client: new TamperedReadBack(sdk(servers[1]!.endpoint)), bucket: 'dst' };
    const result = await migrateStorage({ from: src, to: tampered, prefix: 'nested/' });
    expect(result.failed.map((f) => f.key).sort()).toEqual(['nested/deep/er/x.json', 'nested/y.txt']);
    expect(result.failed[0]?.reason).toContain('verification failed');
    expect(await keysOf(dst)).toEqual([]);
  });

  it('streams: the destination receives bytes before the source object has been read', async () => {
    const sourceRead: number[] = [];
    let maxLead = 0;
    // Instruments the real clients' streams; the copy itself goes to the real servers.
    class CountingSource extends OriginStorage {
      override async get(...args: Parameters<OriginStorage['get']>) {
        const res = await super.get(...args);
        if (!res) return res;
        const i = sourceRead.push(0) - 1;
        return { ...res, body: res.body.pipe(counting((n) => (sourceRead[i]! += n))) };
      }
    }
    class CountingDestination extends OriginStorage {
      override async put(bucket: string, key: string, body: Parameters<OriginStorage['put']>[2], opts?: PutOptions) {
        let received = 0;
        const counted = (body as Readable).pipe(
          counting((n) => {
            maxLead = Math.max(maxLead, sourceRead.at(-1)! - received);
            received += n;
          }),
        );
        return super.put(bucket, key, counted, opts);
      }
    }
    const result = await migrateStorage({
      from: { client: new CountingSource(sdk(servers[0]!.endpoint)), bucket: 'src' },
      to: { client: new CountingDestination(sdk(servers[1]!.endpoint)), bucket: 'dst' },
      prefix: 'big/',
    });
    expect(result.copied).toEqual(['big/large.bin']);
    expect(maxLead).toBeGreaterThan(0);
    expect(maxLead).toBeLessThan(4 * MiB); // never anywhere near the 12 MiB object
    const lib = await readFile(path.join(ROOT, 'cli/storage-migration.ts'), 'utf8');
    expect(lib).not.toMatch(/Buffer\.concat|\.arrayBuffer\(|\.blob\(|\.text\(\)/);
  });
});

describe('migrate-storage CLI', () => {
  it('copies end to end, printing progress, and exits 0', async () => {
    const from = `${servers[0]!.endpoint}/src`;
    const to = `${servers[1]!.endpoint}/dst`;
    const run = await cli(['--from', from, '--to', to, '--concurrency', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const n = KEYS.length;
    const rate = '[\\d.]+/[\\d.]+ MB, [\\d.]+ MB/s';
    const line = new RegExp(`^${n}/${n} objects, ${rate} \\(${n} copied, 0 skipped, 0 failed\\)$`, 'm');
    expect(run.stdout).toMatch(line);
    expect(run.stdout).not.toContain('\r'); // not a TTY: plain lines
    expect(await keysOf(dst)).toEqual(KEYS);

    const again = await cli(['--from', from, '--to', to]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`(0 copied, ${KEYS.length} skipped, 0 failed)`);
  });

  it('exits 1 naming the destination when its credentials are wrong, copying nothing', async () => {
    const run = await cli(['--from', `${servers[0]!.endpoint}/src`, '--to', `${servers[1]!.endpoint}/dst`], {
      TO_SECRET_ACCESS_KEY: 'wrong-secret',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot use destination bucket "dst"');
    expect(await keysOf(dst)).toEqual([]);
  });

  it.each([
    [['--to', 'http://127.0.0.1:1/dst'], '--from'],
    [['--from', 'not a url', '--to', 'http://127.0.0.1:1/dst'], '--from'],
    [['--from', 'http://127.0.0.1:1/', '--to', 'http://127.0.0.1:1/dst'], '--from'],
    [['--from', 'http://127.0.0.1:1/src', '--to', 'http://127.0.0.1:1/dst', '--concurrency', '0'], '--concurrency'],
    [['--from', 'http://127.0.0.1:1/src', '--to', 'http://127.0.0.1:1/src'], '--to'],
    [['--from', 'http://127.0.0.1:1/src', '--to', 'http://127.0.0.1:1/dst', '--frm', 'x'], '--frm'],
  ])('exits 2 on bad arguments %j, naming %s', async (args, option) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(option);
    expect(run.stderr).toContain('usage:');
  });

  it('exits 2 naming the variable when credentials are missing', async () => {
    const args = ['--from', 'http://127.0.0.1:1/src', '--to', 'http://127.0.0.1:1/dst'];
    const run = await cli(args, { S3_SECRET_ACCESS_KEY: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('FROM_SECRET_ACCESS_KEY');
  });
});
