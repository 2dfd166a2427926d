/**
 * A progress bar in plain ANSI on a terminal (one line, redrawn in place),
 * or a line per quarter when the output is not a terminal (logs, tests).
 */
const MiB = 1024 * 1024;

export interface ProgressOptions {
  label: string;
  total: number;
  stream?: NodeJS.WriteStream;
  width?: number;
}

export class ProgressBar {
  private done = 0;
  private readonly started = Date.now();
  private lastDraw = 0;
  private lastQuarter = -1;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;

  constructor(private readonly o: ProgressOptions) {
    this.stream = o.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Bytes that were already there (resumed parts). */
  skip(bytes: number): void {
    this.done += bytes;
    this.draw(true);
  }

  add(bytes: number): void {
    this.done += bytes;
    this.draw(false);
  }

  finish(note = 'done'): void {
    this.draw(true);
    if (this.tty) this.stream.write(`  ${note}\n`);
  }

  private draw(force: boolean): void {
    const frac = this.o.total > 0 ? Math.min(1, this.done / this.o.total) : 1;
    const now = Date.now();
    const rate = this.done / Math.max(0.001, (now - this.started) / 1000) / MiB;
    const text = `${(this.done / MiB).toFixed(1)}/${(this.o.total / MiB).toFixed(1)} MiB ${rate.toFixed(1)} MiB/s`;
    if (this.tty) {
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = this.o.width ?? 30;
      const filled = Math.round(frac * width);
      const bar = `\x1b[32m${'█'.repeat(filled)}\x1b[2m${'░'.repeat(width - filled)}\x1b[0m`;
      this.stream.write(`\r\x1b[2K${this.o.label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${text}`);
      return;
    }
    const quarter = Math.floor(frac * 4);
    if (quarter > this.lastQuarter) {
      this.lastQuarter = quarter;
      this.stream.write(`${this.o.label}: ${(frac * 100).toFixed(0)}% ${text}\n`);
    }
  }
}
