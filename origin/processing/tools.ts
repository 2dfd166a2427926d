/**
 * External programs the pipeline may use when present (pdftoppm, pdfinfo,
 * clamscan). Lambda has none of them, so every caller has a fallback; looking
 * one up never throws.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

const found = new Map<string, Promise<string | null>>();

/**
 * The absolute path of `name` on the executable search path, or null. PATH is
 * the operating system's lookup list rather than application configuration,
 * hence read here and not in shared/config.ts.
 */
export function findTool(name: string): Promise<string | null> {
  let hit = found.get(name);
  if (!hit) {
    hit = (async () => {
      for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
        const candidate = path.join(dir, name);
        try {
          await access(candidate, constants.X_OK);
          return candidate;
        } catch {
          // not in this directory
        }
      }
      return null;
    })();
    found.set(name, hit);
  }
  return hit;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed for running past its timeout. */
  timedOut: boolean;
}

/** Runs a program without a shell; resolves with its exit code instead of throwing on a non-zero one. */
export function runTool(file: string, args: string[], opts: { timeoutMs: number; maxOutput?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: opts.maxOutput ?? 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err); // ENOENT, EACCES: could not start
        const e = err as (Error & { code?: number | null; killed?: boolean; signal?: string | null }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          stdout,
          stderr,
          timedOut: Boolean(e?.killed && e.signal === 'SIGKILL'),
        });
      },
    );
  });
}
