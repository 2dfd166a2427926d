/**
 * Temp folders of jobs a killed process was running. Every job removes its
 * own folder when it ends, but a kill -9 ends no job: its folder (an original
 * spooled to disk, up to 5 GB) would stay for good. The local stack gives its
 * jobs a parent folder of its own (DATA_DIR/tmp, never the system's, which
 * other processes share) and, as the holder of the data lock, knows at start
 * that no job of this data is running: whatever matches is a dead job's.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** Removes the entries of `dir` whose names start with one of `prefixes`; returns their names. */
export async function removeStaleTemp(dir: string, prefixes: readonly string[]): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => prefixes.some((p) => n.startsWith(p)));
  for (const n of stale) await rm(path.join(dir, n), { recursive: true, force: true });
  return stale;
}
