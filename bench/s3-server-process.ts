/**
 * The local S3 server in a process of its own, for benchmarks that must not
 * share a Node event loop with it: prints `{"endpoint": …}` as one line on
 * stdout once listening, and stops when stdin closes or on SIGTERM.
 *
 *   node --import tsx bench/s3-server-process.ts '{"directory":"/tmp/s3","buckets":["raw"]}'
 *
 * `startS3Process` below spawns it and waits for that line.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startLocalS3, type LocalS3Options } from '../local/s3-server.ts';

export interface S3Process {
  endpoint: string;
  pid: number;
  close(): Promise<void>;
}

export async function startS3Process(opts: Omit<LocalS3Options, 'port' | 'corsOrigins'>): Promise<S3Process> {
  const script = path.join(import.meta.dirname, 's3-server-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(opts)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`s3 server process exited (${code}) before listening`)));
  });
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return {
    endpoint,
    pid: child.pid!,
    async close() {
      child.stdin!.end(); // the child stops on stdin end
      const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const opts = JSON.parse(process.argv[2] ?? '{}') as Omit<LocalS3Options, 'port' | 'corsOrigins'>;
  const s3 = await startLocalS3({ ...opts, port: 0, corsOrigins: [] });
  process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint })}\n`);
  const stop = () => void s3.close().finally(() => process.exit(0));
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}
