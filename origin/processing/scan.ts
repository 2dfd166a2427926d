/**
 * Malware scanning with ClamAV, a pluggable step that is off by default
 * (`MALWARE_SCAN=off`). `clamdscan` asks a running clamd (fast: signatures
 * stay loaded); `clamscan` loads the signatures on every call (slow, but needs
 * no daemon). An infected original ends `blocked` (see ingest.ts); a scanner
 * that cannot give an answer is a transient failure, so the message is retried.
 */
import type { MalwareScanner } from '../core/deps.ts';
import { OriginError } from '../core/errors.ts';
import { findTool, runTool } from './tools.ts';

export type ScanMode = 'off' | 'clamscan' | 'clamdscan';

export interface ClamAvOptions {
  /** Absolute path of clamscan or clamdscan. */
  program: string;
  timeoutMs?: number;
}

export class ClamAvScanner implements MalwareScanner {
  private readonly args: string[];

  constructor(private readonly opts: ClamAvOptions) {
    // clamdscan: pass the open file to clamd, which may run as another user.
    this.args = opts.program.endsWith('clamdscan') ? ['--no-summary', '--fdpass'] : ['--no-summary'];
  }

  async scanFile(path: string): Promise<{ clean: true } | { clean: false; signature: string }> {
    const run = await runTool(this.opts.program, [...this.args, path], { timeoutMs: this.opts.timeoutMs ?? 5 * 60_000 });
    // ClamAV's exit codes: 0 clean, 1 virus found, 2 error.
    if (run.code === 0) return { clean: true };
    if (run.code === 1) {
      const signature = /:\s*(\S.*?)\s+FOUND\s*$/m.exec(run.stdout)?.[1] ?? 'unknown signature';
      return { clean: false, signature };
    }
    throw new OriginError('scan_failed', `${this.opts.program} ${run.timedOut ? 'timed out' : `exited with ${run.code}`}`);
  }
}

/**
 * The scanner the configuration asks for: none for `off`; a ClamAV scanner
 * otherwise. Scanning that is switched on but cannot run is a start-up error,
 * never a silent skip.
 */
export async function createScanner(mode: ScanMode): Promise<MalwareScanner | undefined> {
  if (mode === 'off') return undefined;
  const program = await findTool(mode);
  if (!program) throw new Error(`MALWARE_SCAN=${mode} but ${mode} is not installed`);
  return new ClamAvScanner({ program });
}
