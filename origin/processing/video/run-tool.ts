/**
 * Runs ffmpeg/ffprobe as a child process: collects stdout and the tail of
 * stderr, reports the pid (so an owner can kill it), and turns a missing
 * binary into a OriginError naming the package to install.
 */
import { spawn } from 'node:child_process';
import { OriginError } from '../../core/errors.ts';

export const INSTALL_HINT = 'install it with `apt-get install ffmpeg` (Debian/Ubuntu)';

/** Runs a binary and collects stdout/stderr; ENOENT becomes `ffmpeg_missing`. */
export function runTool(
  bin: string,
  args: string[],
  onSpawn?: (pid: number) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let errBytes = 0;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      // Keep the tail only: ffmpeg can be chatty on long inputs.
      err.push(b);
      errBytes += b.length;
      while (errBytes > 64 * 1024 && err.length > 1) errBytes -= err.shift()!.length;
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') reject(new OriginError('ffmpeg_missing', `${bin} not found: ${INSTALL_HINT}`, { cause: e }));
      else reject(e);
    });
    if (child.pid !== undefined) onSpawn?.(child.pid);
    child.once('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}
