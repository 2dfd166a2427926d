/**
 * What an interrupted upload needs to resume: per file (by absolute path) the
 * size and mtime it had when the upload started — a file that changed since
 * starts over — and the upload's id, key and part size. Kept in one small JSON
 * file, rewritten atomically (temp file + rename) so a kill mid-write cannot
 * corrupt it. Parts themselves are not recorded: S3's ListParts is the truth.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface ResumeEntry {
  endpoint: string;
  size: number;
  mtimeMs: number;
  uploadId: string;
  key: string;
  assetId: string;
  partSize: number;
}

interface StateFile {
  version: 1;
  uploads: Record<string, ResumeEntry>;
}

export class ResumeState {
  private constructor(
    readonly file: string,
    private data: StateFile,
  ) {}

  static async open(file: string): Promise<ResumeState> {
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as StateFile;
      if (data.version === 1 && data.uploads && typeof data.uploads === 'object') return new ResumeState(file, data);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
    }
    return new ResumeState(file, { version: 1, uploads: {} });
  }

  /** The entry for this file if it is unchanged and was started against the same endpoint. */
  find(filePath: string, endpoint: string, size: number, mtimeMs: number): ResumeEntry | undefined {
    const e = this.data.uploads[path.resolve(filePath)];
    return e && e.endpoint === endpoint && e.size === size && e.mtimeMs === mtimeMs ? e : undefined;
  }

  async set(filePath: string, entry: ResumeEntry): Promise<void> {
    this.data.uploads[path.resolve(filePath)] = entry;
    await this.save();
  }

  async delete(filePath: string): Promise<void> {
    if (delete this.data.uploads[path.resolve(filePath)]) await this.save();
  }

  private async save(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
