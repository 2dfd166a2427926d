/**
 * The order files enter the shared pool of two workers: longest first across
 * all projects, by the durations vitest cached from the last run (vitest's own
 * sequencer orders by project name first, so the workers project, holding the
 * API fuzzer, would start last and leave one worker alone at the end).
 * Failed files and files with no cached duration go first, larger files
 * before smaller, as vitest does.
 */
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const key = (f: TestSpecification) => `${f.project.name}:${path.relative(config.root, f.moduleId)}`;
    const known = (f: TestSpecification) => cache.getFileTestResults(key(f));
    const rank = (f: TestSpecification): [number, number] => {
      const r = known(f);
      if (!r) return [0, cache.getFileStats(key(f))?.size ?? 0];
      return r.failed ? [1, r.duration] : [2, r.duration];
    };
    const sorted = [...files].sort((a, b) => {
      const [ga, va] = rank(a);
      const [gb, vb] = rank(b);
      return ga !== gb ? ga - gb : vb - va;
    });
    return sharedLast(sorted);
  }
}

/**
 * The files of projects that run without isolation (unit, infra: one module
 * graph per worker) go last, each project's files together: vitest hands a
 * worker on to the next file only when that file is of the same project, so
 * interleaved with the others every file would import its graph again (the
 * CDK library alone, ~4 s a file). Their files are short, so the end is
 * still a good place for them.
 */
export function sharedLast<T extends { project: { name: string; config: { isolate: boolean } } }>(sorted: T[]): T[] {
  const isolated = sorted.filter((f) => f.project.config.isolate !== false);
  const shared = new Map<string, T[]>();
  for (const f of sorted) if (f.project.config.isolate === false) shared.set(f.project.name, [...(shared.get(f.project.name) ?? []), f]);
  return [...isolated, ...[...shared.values()].flat()];
}
