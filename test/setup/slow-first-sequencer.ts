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
    return [...files].sort((a, b) => {
      const [ga, va] = rank(a);
      const [gb, vb] = rank(b);
      return ga !== gb ? ga - gb : vb - va;
    });
  }
}
